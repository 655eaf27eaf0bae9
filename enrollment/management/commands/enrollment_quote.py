"""`manage.py enrollment_quote`: one JSON object on stdin, one on stdout (README,
"Calculation interface"). Bad input exits with status 2 and {"error", "field"}."""

import json
import sys

from django.core.management.base import BaseCommand

from enrollment.rules.terms import TermsError
from enrollment.services.quote import quote


class Command(BaseCommand):
    help = "按参保规则试算缴费与待遇期：标准输入读取一个JSON对象，标准输出写出结果"

    def handle(self, *args, **options):
        try:
            data = json.loads(sys.stdin.read())
            result = quote(data)
        except json.JSONDecodeError:
            self._fail("输入不是有效的 JSON", "input")
        except TermsError as error:
            self._fail(error.message, error.field)
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _fail(self, message, field):
        self.stdout.write(json.dumps({"error": message, "field": field}, ensure_ascii=False))
        sys.exit(2)
