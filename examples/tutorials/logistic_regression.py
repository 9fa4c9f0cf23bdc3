"""Logistic regression on two Gaussian blobs with BCEWithLogitsLoss."""

import numbatorch as torch

torch.manual_seed(0)
n = 200
x = torch.cat([torch.randn(n, 2) + 2, torch.randn(n, 2) - 2])
y = torch.cat([torch.ones(n, 1), torch.zeros(n, 1)])
model = torch.nn.Linear(2, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = torch.nn.BCEWithLogitsLoss()
for _ in range(200):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
accuracy = ((model(x) > 0).float() == y).float().mean().item()
print(f"loss {loss.item():.4f}, accuracy {accuracy:.2%}")
