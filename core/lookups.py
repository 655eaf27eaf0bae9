"""`field__any=[...]`: membership as `field = ANY(%s)` with one array parameter on
PostgreSQL. A batch lookup of thousands of ID numbers then sends one parameter instead of
thousands of bind parameters (which psycopg and Django both handle one by one); elsewhere it is
the ordinary IN lookup. Plain integers and texts go as one array literal ('{1,2}',
'{"a","b"}', cast in the query), which psycopg quotes once instead of value by value, and
skip Django's preparation of each value (a batch looks up tens of thousands)."""

from django.db.models import Field, IntegerField
from django.db.models.lookups import In


def _plain(values, kind) -> bool:
    return all(v.__class__ is kind for v in values)


def _text_element(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@Field.register_lookup
class Any(In):
    lookup_name = "any"

    def get_prep_lookup(self):
        if isinstance(self.rhs, (list, tuple, set, frozenset)) and self.rhs and (_plain(self.rhs, int) or _plain(self.rhs, str)):
            return list(self.rhs)
        return super().get_prep_lookup()

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [v for v in self.rhs if v is not None]
        field = self.lhs.output_field
        if values and isinstance(field, IntegerField) and _plain(values, int):
            return f"{lhs} = ANY(%s::{field.db_type(connection)}[])", (*lhs_params, "{" + ",".join(map(str, values)) + "}")
        if values and _plain(values, str):
            # text[], not the column's varchar(n)[]: a cast to varchar(n) would cut a longer value short.
            return f"{lhs} = ANY(%s::text[])", (*lhs_params, "{" + ",".join(map(_text_element, values)) + "}")
        return f"{lhs} = ANY(%s)", (*lhs_params, values)
