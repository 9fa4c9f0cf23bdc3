"""What both backends share: opcodes, scalar math that compiles for the CPU and for CUDA,
the bodies of kernels that loop over independent slices (each backend compiles them its
own way), and host-side drivers written once against kernels/contract.py. Imports neither
kernels.cpu nor kernels.cuda, so each can import it."""
