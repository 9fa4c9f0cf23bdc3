"""The classic PyTorch tutorial programs, written exactly as the tutorials write them (with
`import numbatorch as torch`), run and learn: the two-layer net four ways (numpy-style
tensors, autograd, nn.Sequential, a custom Module with Adam), the polynomial fit, the LeNet
of the 60-minute blitz, and SGD minimising a quadratic. Sizes are smaller than in the
tutorials so the suite stays fast."""

from __future__ import annotations

import math

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F
import numbatorch.optim as optim

N, D_in, H, D_out = 16, 100, 20, 5


def _data():
    torch.manual_seed(0)
    x = torch.randn(N, D_in)
    y = torch.randn(N, D_out)
    return x, y


def test_two_layer_net_with_manual_gradients():
    dtype = torch.float
    device = torch.device("cpu")
    x, y = _data()
    w1 = torch.randn(D_in, H, device=device, dtype=dtype)
    w2 = torch.randn(H, D_out, device=device, dtype=dtype)

    learning_rate = 1e-5
    losses = []
    for _ in range(60):
        h = x.mm(w1)
        h_relu = h.clamp(min=0)
        y_pred = h_relu.mm(w2)

        loss = (y_pred - y).pow(2).sum().item()
        losses.append(loss)

        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.t().mm(grad_y_pred)
        grad_h_relu = grad_y_pred.mm(w2.t())
        grad_h = grad_h_relu.clone()
        grad_h[h < 0] = 0
        grad_w1 = x.t().mm(grad_h)

        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    assert losses[-1] < 0.1 * losses[0]


def test_two_layer_net_with_autograd():
    x, y = _data()
    w1 = torch.randn(D_in, H, requires_grad=True)
    w2 = torch.randn(H, D_out, requires_grad=True)

    learning_rate = 1e-5
    losses = []
    for _ in range(60):
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w1 -= learning_rate * w1.grad
            w2 -= learning_rate * w2.grad
            w1.grad.zero_()
            w2.grad.zero_()
    assert losses[-1] < 0.1 * losses[0]


def test_two_layer_net_with_nn_sequential():
    x, y = _data()
    model = torch.nn.Sequential(
        torch.nn.Linear(D_in, H),
        torch.nn.ReLU(),
        torch.nn.Linear(H, D_out),
    )
    loss_fn = torch.nn.MSELoss(reduction="sum")

    learning_rate = 1e-3
    losses = []
    for _ in range(100):
        y_pred = model(x)
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    assert losses[-1] < 0.2 * losses[0]


class TwoLayerNet(torch.nn.Module):
    def __init__(self, D_in, H, D_out):  # noqa: N803 - the tutorial's names
        super(TwoLayerNet, self).__init__()  # noqa: UP008 - as the tutorial writes it
        self.linear1 = torch.nn.Linear(D_in, H)
        self.linear2 = torch.nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        y_pred = self.linear2(h_relu)
        return y_pred


def test_two_layer_net_as_custom_module_with_adam():
    x, y = _data()
    model = TwoLayerNet(D_in, H, D_out)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(100):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert losses[-1] < 0.05 * losses[0]


def test_polynomial_fit_with_nn_and_rmsprop():
    x = torch.linspace(-math.pi, math.pi, 200)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 1),
        torch.nn.Flatten(0, 1),
    )
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-3
    optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
    for _ in range(1000):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    linear_layer = model[0]
    result = (
        f"Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + "
        f"{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3"
    )
    assert result.startswith("Result: y = ")
    assert loss.item() < 10  # sin is close to x - x^3/6 on [-pi, pi]


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()  # noqa: UP008
        # 1 input image channel, 6 output channels, 5x5 square convolution kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        # an affine operation: y = Wx + b
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5*5 from image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        # Max pooling over a (2, 2) window
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        # If the size is a square, you can specify with a single number
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)  # flatten all dimensions except the batch dimension
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


LENET_REPR = """Net(
  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)"""


def test_blitz_lenet(capsys):
    net = Net()
    print(net)
    assert capsys.readouterr().out == LENET_REPR + "\n"

    params = list(net.parameters())
    assert len(params) == 10
    assert params[0].size() == torch.Size([6, 1, 5, 5])  # conv1's .weight

    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    assert out.shape == torch.Size([1, 10])

    net.zero_grad()
    out.backward(torch.randn(1, 10))

    output = net(input)
    target = torch.randn(10)  # a dummy target, for example
    target = target.view(1, -1)  # make it the same shape as output
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    assert type(loss.grad_fn).__name__ == "MseLossBackward0"
    assert type(loss.grad_fn.next_functions[0][0]).__name__ == "AddmmBackward0"

    net.zero_grad()  # zeroes the gradient buffers of all parameters
    assert net.conv1.bias.grad is None
    loss.backward()
    assert net.conv1.bias.grad.shape == torch.Size([6])

    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)

    optimizer = optim.SGD(net.parameters(), lr=0.01)
    first = None
    for _ in range(5):
        optimizer.zero_grad()  # zero the gradient buffers
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()  # Does the update
        first = loss.item() if first is None else first
    assert loss.item() < first


def test_sgd_minimises_a_quadratic():
    a, b, c = 2.0, -4.0, 1.0
    x = torch.tensor(0.0, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=0.1)
    for _ in range(100):
        optimizer.zero_grad()
        y = a * x**2 + b * x + c
        y.backward()
        optimizer.step()
    assert abs(x.item() - (-b / (2 * a))) < 1e-4
    assert abs(y.item() - (c - b * b / (4 * a))) < 1e-4
