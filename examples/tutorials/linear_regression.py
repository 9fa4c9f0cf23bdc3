"""Fit y = 3x + 2 with nn.Linear and MSELoss."""

import numbatorch as torch

torch.manual_seed(0)
x = torch.rand(100, 1) * 10
y = 3 * x + 2 + torch.randn(100, 1) * 0.1
model = torch.nn.Linear(1, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for _ in range(2000):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
weight, bias = model.weight.item(), model.bias.item()
print(f"weight {weight:.3f} (3), bias {bias:.3f} (2), loss {loss.item():.4f}")
