"""The fund parameters of a pooling region (benefits' 待遇政策参数, RULES.md 7) in force on a
day: each as (value, source), the listed default where the region has none."""

from datetime import date
from decimal import Decimal

from benefits.services.policy import parameter_in_force
from core.models import Region


def in_force(city: Region, day: date, table: dict[str, tuple[str, Decimal, str]]) -> dict[str, tuple[Decimal, str]]:
    """`table`: key -> (parameter name, default value, default source)."""
    found = {}
    for key, (name, default, source) in table.items():
        parameter = parameter_in_force(city, name, day)
        found[key] = (Decimal(parameter.value), parameter.source) if parameter is not None else (default, source)
    return found
