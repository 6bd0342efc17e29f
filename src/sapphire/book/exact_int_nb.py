"""An int64 argument type for kernels called from Python one row at a time.

numba converts a Python argument for an ``int64`` parameter with ``int(x)``, so a float
1.9 arrives as 1 and ``True`` as 1: a silently wrong price or size. Checking each
argument's type in Python costs ~18 ns per argument, more than the kernel's work.
:data:`exact_int64` converts with ``PyLong_AsLongLong`` instead, which takes ints,
int enums and numpy integers (anything with ``__index__``) and raises ``TypeError`` for
floats, strings and None; ``True`` and ``False`` are refused by identity. The check is
thus part of the conversion numba does anyway, and costs nothing extra.

A kernel takes such an argument and reads it as int64 with :func:`as_int64`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from llvmlite import ir
from numba.core import cgutils, types
from numba.core.datamodel import models
from numba.extending import NativeValue, intrinsic, register_model, unbox


class ExactInt64(types.Type):
    """An int64 that arrived from Python as an integer (never a float or a bool)."""

    def __init__(self) -> None:
        super().__init__(name="exact_int64")


exact_int64 = ExactInt64()


@register_model(ExactInt64)
class _ExactInt64Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, ir.IntType(64))


@unbox(ExactInt64)
def _unbox_exact_int64(typ, obj, c):
    builder = c.builder
    value = cgutils.alloca_once_value(builder, ir.Constant(ir.IntType(64), -1))
    is_bool = builder.or_(
        builder.icmp_unsigned("==", obj, c.pyapi.get_c_object("_Py_TrueStruct")),
        builder.icmp_unsigned("==", obj, c.pyapi.get_c_object("_Py_FalseStruct")))
    failed = cgutils.alloca_once_value(builder, cgutils.true_bit)
    with builder.if_else(is_bool) as (then, otherwise):
        with then:
            c.pyapi.err_set_string("PyExc_TypeError", "a bool is not an integer here")
        with otherwise:
            number = c.pyapi.long_as_longlong(obj)  # sets TypeError for a float or a str
            builder.store(number, value)
            # -1 is also a valid result: only then ask whether an error was set
            minus_one = builder.icmp_signed("==", number, ir.Constant(ir.IntType(64), -1))
            with builder.if_else(minus_one) as (maybe, fine):
                with maybe:
                    builder.store(c.pyapi.c_api_error(), failed)
                with fine:
                    builder.store(cgutils.false_bit, failed)
    return NativeValue(builder.load(value), is_error=builder.load(failed))


@intrinsic
def _as_int64(typingctx, value):
    if not isinstance(value, ExactInt64):
        return None

    def codegen(context, builder, signature, args):
        return args[0]

    return types.int64(value), codegen


#: Return an :data:`exact_int64` argument as int64 (the same bits; inside kernels only).
as_int64 = cast(Callable[[int], int], _as_int64)


class ExactUInt64Bits(types.Type):
    """An unsigned 64-bit integer (0..2**64-1, never a float or a bool), held as int64 bits.

    For order ids: ``PyNumber_Index`` takes ints, int enums and numpy integers and raises
    ``TypeError`` for a float, a string or None; ``PyLong_AsUnsignedLongLong`` then raises
    ``OverflowError`` for a negative value or one above 2**64-1. The kernel reads the
    value's bits as int64 with :func:`bits_as_int64` (2**63 arrives as -2**63).
    """

    def __init__(self) -> None:
        super().__init__(name="exact_uint64_bits")


exact_uint64_bits = ExactUInt64Bits()


@register_model(ExactUInt64Bits)
class _ExactUInt64BitsModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, ir.IntType(64))


@unbox(ExactUInt64Bits)
def _unbox_exact_uint64_bits(typ, obj, c):
    builder, pyapi = c.builder, c.pyapi
    value = cgutils.alloca_once_value(builder, ir.Constant(ir.IntType(64), -1))
    failed = cgutils.alloca_once_value(builder, cgutils.true_bit)
    is_bool = builder.or_(
        builder.icmp_unsigned("==", obj, pyapi.get_c_object("_Py_TrueStruct")),
        builder.icmp_unsigned("==", obj, pyapi.get_c_object("_Py_FalseStruct")))
    index = pyapi._get_function(ir.FunctionType(pyapi.pyobj, [pyapi.pyobj]),
                                name="PyNumber_Index")
    with builder.if_else(is_bool) as (then, otherwise):
        with then:
            pyapi.err_set_string("PyExc_TypeError", "a bool is not an integer here")
        with otherwise:
            number = builder.call(index, [obj])  # a new reference, NULL with TypeError set
            with builder.if_then(cgutils.is_not_null(builder, number)):
                bits = pyapi.long_as_ulonglong(number)  # OverflowError outside 0..2**64-1
                pyapi.decref(number)
                builder.store(bits, value)
                # all ones is also 2**64-1: only then ask whether an error was set
                ones = builder.icmp_signed("==", bits, ir.Constant(ir.IntType(64), -1))
                with builder.if_else(ones) as (maybe, fine):
                    with maybe:
                        builder.store(pyapi.c_api_error(), failed)
                    with fine:
                        builder.store(cgutils.false_bit, failed)
    return NativeValue(builder.load(value), is_error=builder.load(failed))


@intrinsic
def _bits_as_int64(typingctx, value):
    if not isinstance(value, ExactUInt64Bits):
        return None

    def codegen(context, builder, signature, args):
        return args[0]

    return types.int64(value), codegen


#: Return an :data:`exact_uint64_bits` argument's bits as int64 (inside kernels only).
bits_as_int64 = cast(Callable[[int], int], _bits_as_int64)


def entry_point(dispatcher: Any, signature: tuple[Any, ...]) -> Any:
    """The compiled entry of ``dispatcher`` for ``signature``.

    A dispatcher call resolves its argument types on every call (~0.2 us); calling the
    entry point of the one signature a book uses skips that, and the exact argument types
    above still refuse floats and bools as they are converted.
    """
    dispatcher.compile(signature)
    return dispatcher.overloads[signature].entry_point
