"""Former home of the batch path, kept for callers of its names: settling many visits is now
the one path of benefits.services.settlements (SettlementBatch, settlements_write), which a
single visit also takes."""

from benefits.services.settlements import SettlementBatch as BatchContext  # noqa: F401
from benefits.services.settlements import settlements_write


def write_batch(context, settled: list, *, user=None, source_import=None) -> None:
    settlements_write(batch=context, settled=settled, user=user, source_import=source_import)
