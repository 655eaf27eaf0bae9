"""core.forked: work run in forked processes comes back in order, and a failure in a child
reaches the parent as the error it was (or as its traceback), never as a silent gap."""

import os
import signal

import pytest
from django.db import transaction

from core import forked
from core.errors import ServiceError


def test_results_come_back_in_the_tasks_order_from_different_processes():
    parent = os.getpid()
    results = forked.run_forked([lambda n=n: (n, os.getpid()) for n in range(3)])
    assert [n for n, _pid in results] == [0, 1, 2]
    pids = [pid for _n, pid in results]
    assert pids[0] == parent and len(set(pids)) == 3


def test_a_service_error_in_a_child_comes_back_with_its_code_and_message():
    def refuse():
        raise ServiceError("busy", "该导入正在写入数据", "file")

    with pytest.raises(ServiceError) as error:
        forked.run_forked([lambda: 1, refuse])
    assert (error.value.code, error.value.message, error.value.field) == ("busy", "该导入正在写入数据", "file")
    assert any("In the forked process" in note and "refuse" in note for note in error.value.__notes__)


def test_an_error_that_cannot_be_pickled_comes_back_as_its_traceback():
    class Local(Exception):  # a class pickle cannot find by name
        pass

    def fail():
        raise Local("坏行")

    with pytest.raises(RuntimeError, match="Local: 坏行"):
        forked.run_forked([lambda: 1, fail])


def test_a_child_that_dies_is_reported():
    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(RuntimeError, match="signal 9"):
        forked.run_forked([lambda: 1, die])


def test_when_the_parents_own_part_fails_the_children_are_ended_first(tmp_path):
    marker = tmp_path / "finished"

    def slow():
        import time

        time.sleep(5)
        marker.write_text("done")

    def fail():
        raise ValueError("父进程出错")

    with pytest.raises(ValueError):
        forked.run_forked([fail, slow])
    assert not marker.exists()  # killed, not left running


@pytest.mark.django_db
def test_no_fork_inside_a_transaction():
    """A child would not see the parent's uncommitted rows (a test's data among them)."""
    with transaction.atomic():
        assert not forked.can_fork()


def test_an_importer_that_keeps_no_plan_in_parts_has_its_piece_checked_again():
    """The default merge joins one part only: a piece saved in two parts by an importer that
    cannot join them is not written from the plan (None), and the piece is checked again."""
    from core.imports import Importer

    class Plain(Importer):
        def check(self, rows):
            return []

        def write(self, outcomes):
            pass

    plain = Plain.__new__(Plain)
    assert plain.merge_chunk_plans([{"lines": ["a"]}]) == {"lines": ["a"]}
    assert plain.merge_chunk_plans([{"lines": ["a"]}, {"lines": ["b"]}]) is None
