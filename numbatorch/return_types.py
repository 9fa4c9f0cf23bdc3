"""The named tuples that ops returning several tensors give back, with PyTorch's names
(``torch.return_types.max``, ``.sort``, ``.linalg_qr``...) and fields, printed as PyTorch
prints them."""

from __future__ import annotations

from collections import namedtuple


def _return_type(name: str, fields: tuple[str, ...]) -> type:
    cls = namedtuple(name, fields, module=__name__)

    def __repr__(self) -> str:
        body = ",\n".join(f"{field}={value!r}" for field, value in zip(self._fields, self))
        return f"torch.return_types.{name}(\n{body})"

    cls.__repr__ = __repr__
    cls.__doc__ = f"The result of {name}: a tuple with the fields {', '.join(fields)}."
    return cls


_VALUES_INDICES = ("values", "indices")
max = _return_type("max", _VALUES_INDICES)  # noqa: A001 (PyTorch's name)
min = _return_type("min", _VALUES_INDICES)  # noqa: A001
sort = _return_type("sort", _VALUES_INDICES)
topk = _return_type("topk", _VALUES_INDICES)
kthvalue = _return_type("kthvalue", _VALUES_INDICES)
median = _return_type("median", _VALUES_INDICES)
nanmedian = _return_type("nanmedian", _VALUES_INDICES)
mode = _return_type("mode", _VALUES_INDICES)
cummax = _return_type("cummax", _VALUES_INDICES)
cummin = _return_type("cummin", _VALUES_INDICES)
aminmax = _return_type("aminmax", ("min", "max"))
slogdet = _return_type("slogdet", ("sign", "logabsdet"))
qr = _return_type("qr", ("Q", "R"))
svd = _return_type("svd", ("U", "S", "V"))
linalg_slogdet = _return_type("linalg_slogdet", ("sign", "logabsdet"))
linalg_eigh = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_qr = _return_type("linalg_qr", ("Q", "R"))
linalg_svd = _return_type("linalg_svd", ("U", "S", "Vh"))
linalg_inv_ex = _return_type("linalg_inv_ex", ("inverse", "info"))
linalg_solve_ex = _return_type("linalg_solve_ex", ("result", "info"))
linalg_cholesky_ex = _return_type("linalg_cholesky_ex", ("L", "info"))
linalg_lstsq = _return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
frexp = _return_type("frexp", ("mantissa", "exponent"))
frexp_out = _return_type("frexp_out", ("mantissa", "exponent"))
linalg_lu_factor = _return_type("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_lu = _return_type("linalg_lu", ("P", "L", "U"))
lu_unpack = _return_type("lu_unpack", ("P", "L", "U"))
_lu_with_info = _return_type("_lu_with_info", ("LU", "pivots", "info"))
