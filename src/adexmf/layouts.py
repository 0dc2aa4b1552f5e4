"""Every packed layout read by the compiled kernels, named in one place.

Compiled (numba) kernels receive parameters as flat float64 vectors and states as flat
arrays; this module names each entry once. Kernels and their front ends index with these
constants only (never a bare number), so a layout changes here or nowhere. The constants are
plain ints: Numba freezes them at compile time, and since this file mentions numba the
kernel cache fingerprint (:mod:`adexmf._numba_cache`) sees any edit to it.

Flags (order of the mean field, adaptation on/off) are never stored in these float vectors;
kernels take them as separate integer arguments.
"""

from __future__ import annotations

# ------------------------------------------------------------------ shot-noise constants
# theory.fluctuations.pack_fluctuation_params: postsynaptic cell, synapses, in-degrees.
FL_G_L = 0  # leak conductance (S)
FL_C_M = 1  # membrane capacitance (F)
FL_E_L = 2  # leak reversal (V)
FL_Q_E = 3  # excitatory quantal conductance (S)
FL_TAU_E = 4  # excitatory synaptic time constant (s)
FL_E_E = 5  # excitatory reversal (V)
FL_Q_I = 6
FL_TAU_I = 7
FL_E_I = 8
FL_K_E = 9  # excitatory in-degree
FL_K_I = 10  # inhibitory in-degree
FL_SLIP = 11  # 1.0: the authors' inhibitory-term slip (SPEC 3.2), 0.0: the paper's formula
N_FLUCTUATION = 12

# --------------------------------------------------------------- transfer function (4.1)
# theory.transfer.TransferFunction.packed: the shot-noise block above, then
TF_MU_V0 = N_FLUCTUATION + 0  # normalisation constants of the threshold polynomial
TF_D_MU_V0 = N_FLUCTUATION + 1
TF_SIGMA_V0 = N_FLUCTUATION + 2
TF_D_SIGMA_V0 = N_FLUCTUATION + 3
TF_TAU_V0 = N_FLUCTUATION + 4
TF_D_TAU_V0 = N_FLUCTUATION + 5
TF_P0 = N_FLUCTUATION + 6  # coefficients P0..P10 (V) follow
N_COEFFICIENTS = 11
N_TRANSFER = TF_P0 + N_COEFFICIENTS

# ------------------------------------------------------------ mean-field model (5.1-5.3)
# meanfield.model.MeanFieldModel.packed
MF_T = 0  # Markov time constant (s)
MF_N_E = 1  # population sizes (finite-size term)
MF_N_I = 2
MF_A = 3  # adaptation: subthreshold conductance (S)
MF_B = 4  # spike-triggered increment (A)
MF_TAU_W = 5  # time constant (s)
MF_DRIVE_E = 6  # routing weights of the external drive onto the exc. input of exc / inh cells
MF_DRIVE_I = 7
MF_AFFERENT_E = 8  # routing weights of the afferent stimulus
MF_AFFERENT_I = 9
N_MODEL = 10

# Mean-field state vector (one column).
S_NU_E = 0  # rates (Hz)
S_NU_I = 1
S_C_EE = 2  # covariances (Hz^2), second order
S_C_EI = 3
S_C_II = 4
S_W = 5  # adaptation current of the excitatory population (A)
N_STATE = 6

# Observables of one population (meanfield.node.column_observables), per row.
OB_MU_V = 0  # V
OB_SIGMA_V = 1  # V
OB_TAU_V = 2  # s
OB_MU_GE = 3  # S
OB_MU_GI = 4
OB_SIGMA_GE = 5
OB_SIGMA_GI = 6
N_OBSERVABLES = 7

# -------------------------------------------------------------- single-cell kernel (2.1)
# singlecell.simulate: the AdEx cell and its synapses.
SC_G_L = 0
SC_C_M = 1
SC_E_L = 2
SC_V_T = 3
SC_DELTA_T = 4
SC_V_SPIKE = 5
SC_V_RESET = 6
SC_A = 7
SC_B = 8
SC_TAU_W = 9
SC_Q_E = 10
SC_TAU_E = 11
SC_E_E = 12
SC_Q_I = 13
SC_TAU_I = 14
SC_E_I = 15
N_SINGLE_CELL = 16
