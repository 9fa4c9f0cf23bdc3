"""The "Deep Learning with PyTorch: A 60 Minute Blitz" tensor and autograd tutorials run
unchanged with `import numbatorch as torch` and print what PyTorch prints. Random values
and object addresses are the only parts left unchecked ({rand}, {float}, {address})."""

import re

import numpy as np

import numbatorch as torch

PLACEHOLDERS = {
    "{rand}": r"tensor\([^()]*\)",
    "{float}": r"-?\d+\.\d+(?:e[-+]\d+)?",
    "{address}": r"0x[0-9a-f]+",
}


def assert_prints(capsys, expected: str) -> None:
    pattern = re.escape(expected)
    for placeholder, regex in PLACEHOLDERS.items():
        pattern = pattern.replace(re.escape(placeholder), regex)
    printed = capsys.readouterr().out
    assert re.fullmatch(pattern, printed), f"printed:\n{printed}\nexpected:\n{expected}"


def test_tensor_tutorial(capsys):
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)  # noqa: F841 - as in the tutorial
    x_ones = torch.ones_like(x_data)  # retains the properties of x_data
    print(f"Ones Tensor: \n {x_ones} \n")
    x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
    print(f"Random Tensor: \n {x_rand} \n")
    shape = (
        2,
        3,
    )
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    print(f"Random Tensor: \n {rand_tensor} \n")
    print(f"Ones Tensor: \n {ones_tensor} \n")
    print(f"Zeros Tensor: \n {zeros_tensor}")
    tensor = torch.rand(3, 4)
    print(f"Shape of tensor: {tensor.shape}")
    print(f"Datatype of tensor: {tensor.dtype}")
    print(f"Device tensor is stored on: {tensor.device}")
    # We move our tensor to the GPU if available
    if torch.cuda.is_available():
        tensor = tensor.to("cuda")
        print(f"Device tensor is stored on: {tensor.device}")
    tensor = torch.ones(4, 4)
    print("First row: ", tensor[0])
    print("First column: ", tensor[:, 0])
    print("Last column:", tensor[..., -1])
    tensor[:, 1] = 0
    print(tensor)
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    print(t1)
    # This computes the element-wise product
    print(f"tensor.mul(tensor) \n {tensor.mul(tensor)} \n")
    # Alternative syntax:
    print(f"tensor * tensor \n {tensor * tensor}")
    print(f"tensor.matmul(tensor.T) \n {tensor.matmul(tensor.T)} \n")
    # Alternative syntax:
    print(f"tensor @ tensor.T \n {tensor @ tensor.T}")
    agg = tensor.sum()
    agg_item = agg.item()
    print(agg_item, type(agg_item))
    print(tensor, "\n")
    tensor.add_(5)
    print(tensor)
    t = torch.ones(5)
    print(f"t: {t}")
    n = t.numpy()
    print(f"n: {n}")
    t.add_(1)
    print(f"t: {t}")
    print(f"n: {n}")
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    print(f"t: {t}")
    print(f"n: {n}")

    ones_with_zero_column = (
        "tensor([[1., 0., 1., 1.],\n        [1., 0., 1., 1.],\n        [1., 0., 1., 1.],\n"
        "        [1., 0., 1., 1.]])"
    )
    threes = (
        "tensor([[3., 3., 3., 3.],\n        [3., 3., 3., 3.],\n"
        "        [3., 3., 3., 3.],\n        [3., 3., 3., 3.]])"
    )
    cat_row = "[1., 0., 1., 1., 1., 0., 1., 1., 1., 0., 1., 1.]"
    cuda_line = "Device tensor is stored on: cuda:0\n" if torch.cuda.is_available() else ""
    assert_prints(
        capsys,
        (
            "Ones Tensor: \n tensor([[1, 1],\n        [1, 1]]) \n\n"
            "Random Tensor: \n {rand} \n\n"
            "Random Tensor: \n {rand} \n\n"
            "Ones Tensor: \n tensor([[1., 1., 1.],\n        [1., 1., 1.]]) \n\n"
            "Zeros Tensor: \n tensor([[0., 0., 0.],\n        [0., 0., 0.]])\n"
            "Shape of tensor: torch.Size([3, 4])\n"
            "Datatype of tensor: torch.float32\n"
            "Device tensor is stored on: cpu\n"
            f"{cuda_line}"
            "First row:  tensor([1., 1., 1., 1.])\n"
            "First column:  tensor([1., 1., 1., 1.])\n"
            "Last column: tensor([1., 1., 1., 1.])\n"
            f"{ones_with_zero_column}\n"
            f"tensor([{cat_row},\n        {cat_row},\n        {cat_row},\n        {cat_row}])\n"
            f"tensor.mul(tensor) \n {ones_with_zero_column} \n\n"
            f"tensor * tensor \n {ones_with_zero_column}\n"
            f"tensor.matmul(tensor.T) \n {threes} \n\n"
            f"tensor @ tensor.T \n {threes}\n"
            "12.0 <class 'float'>\n"
            f"{ones_with_zero_column} \n\n"
            "tensor([[6., 5., 6., 6.],\n        [6., 5., 6., 6.],\n        [6., 5., 6., 6.],\n"
            "        [6., 5., 6., 6.]])\n"
            "t: tensor([1., 1., 1., 1., 1.])\n"
            "n: [1. 1. 1. 1. 1.]\n"
            "t: tensor([2., 2., 2., 2., 2.])\n"
            "n: [2. 2. 2. 2. 2.]\n"
            "t: tensor([2., 2., 2., 2., 2.], dtype=torch.float64)\n"
            "n: [2. 2. 2. 2. 2.]\n"
        ),
    )


def test_what_is_pytorch_tutorial(capsys):
    x = torch.empty(5, 3)
    print(x)
    x = torch.rand(5, 3)
    print(x)
    x = torch.zeros(5, 3, dtype=torch.long)
    print(x)
    x = torch.tensor([5.5, 3])
    print(x)
    x = x.new_ones(5, 3, dtype=torch.double)  # new_* methods take in sizes
    print(x)
    x = torch.randn_like(x, dtype=torch.float)  # override dtype!
    print(x)  # result has the same size
    print(x.size())
    y = torch.rand(5, 3)
    print(x + y)
    print(torch.add(x, y))
    result = torch.empty(5, 3)
    torch.add(x, y, out=result)
    print(result)
    # adds x to y
    y.add_(x)
    print(y)
    print(x[:, 1])
    x = torch.randn(4, 4)
    y = x.view(16)
    z = x.view(-1, 8)  # the size -1 is inferred from other dimensions
    print(x.size(), y.size(), z.size())
    x = torch.randn(1)
    print(x)
    print(x.item())
    a = torch.ones(5)
    print(a)
    b = a.numpy()
    print(b)
    a.add_(1)
    print(a)
    print(b)
    a = np.ones(5)
    b = torch.from_numpy(a)
    np.add(a, 1, out=a)
    print(a)
    print(b)

    five_rows = ",\n        ".join(["[1., 1., 1.]"] * 5)
    zero_rows = ",\n        ".join(["[0, 0, 0]"] * 5)
    assert_prints(
        capsys,
        (
            "{rand}\n{rand}\n"
            f"tensor([{zero_rows}])\n"
            "tensor([5.5000, 3.0000])\n"
            f"tensor([{five_rows}], dtype=torch.float64)\n"
            "{rand}\n"
            "torch.Size([5, 3])\n"
            "{rand}\n{rand}\n{rand}\n{rand}\n{rand}\n"
            "torch.Size([4, 4]) torch.Size([16]) torch.Size([2, 8])\n"
            "{rand}\n{float}\n"
            "tensor([1., 1., 1., 1., 1.])\n"
            "[1. 1. 1. 1. 1.]\n"
            "tensor([2., 2., 2., 2., 2.])\n"
            "[2. 2. 2. 2. 2.]\n"
            "[2. 2. 2. 2. 2.]\n"
            "tensor([2., 2., 2., 2., 2.], dtype=torch.float64)\n"
        ),
    )


def test_autograd_tutorial(capsys):
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2  # noqa: N806 - as in the tutorial
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    # check if collected gradients are correct
    print(9 * a**2 == a.grad)
    print(-2 * b == b.grad)
    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a = x + y
    print(f"Does `a` require gradients?: {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")

    assert_prints(
        capsys,
        (
            "tensor([True, True])\n"
            "tensor([True, True])\n"
            "Does `a` require gradients?: False\n"
            "Does `b` require gradients?: True\n"
        ),
    )


def test_classic_autograd_tutorial(capsys):
    x = torch.ones(2, 2, requires_grad=True)
    print(x)
    y = x + 2
    print(y)
    print(y.grad_fn)
    z = y * y * 3
    out = z.mean()
    print(z, out)
    a = torch.randn(2, 2)
    a = (a * 3) / (a - 1)
    print(a.requires_grad)
    a.requires_grad_(True)
    print(a.requires_grad)
    b = (a * a).sum()
    print(b.grad_fn)
    out.backward()
    print(x.grad)
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    print(y)
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    print(x.grad)
    print(x.requires_grad)
    print((x**2).requires_grad)
    with torch.no_grad():
        print((x**2).requires_grad)
    print(x.requires_grad)
    y = x.detach()
    print(y.requires_grad)
    print(x.eq(y).all())

    assert_prints(
        capsys,
        (
            "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)\n"
            "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)\n"
            "<AddBackward0 object at {address}>\n"
            "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) "
            "tensor(27., grad_fn=<MeanBackward0>)\n"
            "False\nTrue\n"
            "<SumBackward0 object at {address}>\n"
            "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])\n"
            "{rand}\n{rand}\n"
            "True\nTrue\nFalse\nTrue\nFalse\n"
            "tensor(True)\n"
        ),
    )
