"""Minimise a*x**2 + b*x + c with SGD: autograd plus an optimizer on one scalar."""

import numbatorch as torch

a, b, c = 2.0, -8.0, 3.0  # the minimum is at x = -b / (2a) = 2
x = torch.tensor(0.0, requires_grad=True)
optimizer = torch.optim.SGD([x], lr=0.1)
for _ in range(100):
    optimizer.zero_grad()
    y = a * x**2 + b * x + c
    y.backward()
    optimizer.step()
print(f"x = {x.item():.4f} (exact 2.0), f(x) = {(a * x**2 + b * x + c).item():.4f}")
# the second derivative through autograd.grad with create_graph: 2a
x = torch.tensor(1.5, requires_grad=True)
(dy,) = torch.autograd.grad(a * x**2 + b * x + c, x, create_graph=True)
(d2y,) = torch.autograd.grad(dy, x)
print(f"dy/dx at 1.5 = {dy.item()}, d2y/dx2 = {d2y.item()}")
