"""Every figure of the toolkit: one style, one save convention (PNG + SVG), long series
reduced before drawing. Science modules return data; only this package draws."""
