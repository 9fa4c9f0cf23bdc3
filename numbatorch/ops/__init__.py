"""The differentiable ops: one autograd Function per op, grouped by family."""
