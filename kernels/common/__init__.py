"""Code both backends share: scalar math that compiles for the CPU and for CUDA. Imports
neither kernels.cpu nor kernels.cuda, so each can import it."""
