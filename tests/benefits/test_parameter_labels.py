"""Every preset parameter reads in plain Chinese where users see it (the parameter page, the
admin, the settlement page): its name with its key, its value with its unit, its source as
document and article."""

import re

import pytest

from benefits import presets
from benefits.labels import parameter_label, parameter_value
from core.display import source_text

ROWS = [*presets.XIANNING_BASIC, *presets.JILIN_BASIC, *presets.CRITICAL_ILLNESS, *presets.MEDICAL_ASSISTANCE,
        *(row[:5] for row in presets.XIANNING_BASIC_PERIODS + presets.JILIN_BASIC_PERIODS)]
LATIN = re.compile(r"[A-Za-z_]")


@pytest.mark.parametrize("name, value, unit, source", sorted({row[:4] for row in ROWS}, key=str), ids=lambda v: str(v)[:40])
def test_every_preset_parameter_reads_in_chinese(name, value, unit, source):
    assert not LATIN.search(parameter_label(name)), parameter_label(name)
    assert not LATIN.search(parameter_value(value, unit)), parameter_value(value, unit)
    assert not LATIN.search(source_text(source)), source_text(source)


def test_the_new_parameters_by_their_names():
    assert parameter_label("maternity_cap") == "生育医疗费用年度基金最高支付限额"
    assert parameter_label("outpatient_rate.community_station") == "普通门诊统筹支付比例（社区卫生服务站）"
    assert parameter_label("outpatient_daily_cap.clinic") == "普通门诊日支付限额（诊所）"
    assert parameter_label("location_rate.remote_long_term") == "异地就医个人先行自付比例（异地长期居住已备案）"
    assert parameter_label("referral_rate_cut.referred_outside_list") == "转诊住院支付比例降低（转诊病种目录外）"
    assert parameter_label("unreferred_rate") == "未按规定转诊住院支付比例"
    assert source_text("J003 §二(三)9(2)") == "吉林六统一方案 二(三)9(2)"
