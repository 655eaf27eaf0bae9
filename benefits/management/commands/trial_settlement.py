"""`manage.py trial_settlement`: one JSON object on stdin, one on stdout (README, "Trial
calculation"). Bad input exits with status 2 and {"error", "field"}."""

import json
import sys

from django.core.management.base import BaseCommand

from benefits.rules.settlement import SettlementError
from benefits.services.trial import load, trial


class Command(BaseCommand):
    help = "待遇试算：标准输入读取一个JSON对象，标准输出写出基本医保、大病保险、医疗救助和个人负担"

    def handle(self, *args, **options):
        try:
            result = trial(load(sys.stdin.read()))
        except SettlementError as error:
            self._fail(error.message, error.field)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _fail(self, message, field):
        self.stdout.write(json.dumps({"error": message, "field": field}, ensure_ascii=False))
        sys.exit(2)
