"""``python -m adexmf``: the same as the ``adexmf`` command."""

from .cli import main

if __name__ == "__main__":
    main()
