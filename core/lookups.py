"""`field__any=[...]`: membership as `field = ANY(%s)` with one array parameter on
PostgreSQL. A batch lookup of thousands of ID numbers then sends one parameter instead of
thousands of bind parameters (which psycopg and Django both handle one by one); elsewhere it is
the ordinary IN lookup."""

from django.db.models import Field
from django.db.models.lookups import In


@Field.register_lookup
class Any(In):
    lookup_name = "any"

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [v for v in self.rhs if v is not None]
        return f"{lhs} = ANY(%s)", (*lhs_params, values)
