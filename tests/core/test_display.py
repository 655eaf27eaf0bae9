"""What users read: sources as document and article, amounts with separators, rates as %."""

from decimal import Decimal

import pytest

from benefits.labels import parameter_label, parameter_value
from core.display import chinese_number, percent, source_html, source_text, yuan


@pytest.mark.parametrize("stored, shown", [
    ("X000 art. 20", "咸宁办法 第二十条"),
    ("X000 art. 20(二)1", "咸宁办法 第二十条(二)1"),
    ("X000 art. 12", "咸宁办法 第十二条"),
    ("X000 arts. 7-16", "咸宁办法 第七至十六条"),
    ("S001 §三(四)2", "十堰救助办法 三(四)2"),
    ("X000 art. 17; N004 §二", "咸宁办法 第十七条；咸宁2022年通知 二"),
    ("J003 §二(三)10 (咸宁: not from the sources)", "吉林六统一方案 二(三)10（咸宁：文件未规定）"),
    # an article of the 十堰 employee measures is theirs, not the assistance document's
    ("S001 art. 8 (employee measures); J003 §二(三)10 (not from the sources)", "十堰职工门诊共济细则 第八条；吉林六统一方案 二(三)10（文件未规定）"),
    ("S001 §二; RULES.md 2.3", "十堰救助办法 二；经办规则 第2.3节"),
    ("X000 art. 26（吉林未规定，沿用咸宁）", "咸宁办法 第二十六条（吉林未规定，沿用咸宁）"),
    ("", ""),
])
def test_sources_read_as_document_and_article(stored, shown):
    assert source_text(stored) == shown


def test_a_source_carries_its_documents_full_title_on_hover():
    html = str(source_html("X000 art. 20(二)1"))
    assert 'title="咸宁市城乡居民基本医疗保险实施办法（征求意见稿） 第二十条"' in html
    assert ">咸宁办法 第二十条(二)1</span>" in html


def test_a_source_with_markup_is_escaped():
    assert "<b>" not in str(source_html("<b>X000 art. 1</b>"))


@pytest.mark.parametrize("n, shown", [(1, "一"), (10, "十"), (11, "十一"), (20, "二十"), (41, "四十一"),
                                      (100, "一百"), (105, "一百零五"), (110, "一百一十"), (123, "一百二十三")])
def test_chinese_article_numbers(n, shown):
    assert chinese_number(n) == shown


@pytest.mark.parametrize("value, shown", [
    (Decimal("200000"), "200,000.00"), ("10640", "10,640.00"), (Decimal("0.005"), "0.01"), (0, "0.00"),
    (Decimal("1234567.891"), "1,234,567.89"), (None, "—"), ("", "—"), ("无", "无"),
])
def test_amounts_have_separators_and_two_decimals(value, shown):
    assert yuan(value) == shown


@pytest.mark.parametrize("rate, shown", [("0.70", "70%"), (Decimal("0.085"), "8.5%"), ("1.00", "100%"), ("0", "0%")])
def test_rates_read_as_percentages(rate, shown):
    assert percent(rate) == shown


@pytest.mark.parametrize("name, label", [
    ("annual_cap", "年度最高支付限额"),
    ("inpatient_rate.2", "住院统筹支付比例（二级医疗机构）"),
    ("first_pay_rate.class_b_drug", "乙类先行自付比例（乙类药品）"),
    ("ci_band.50000", "大病保险分段支付比例（50,000.00 元以上）"),
    ("ma_deductible.3", "医疗救助起付标准（第三类救助对象）"),
])
def test_parameters_by_their_chinese_names(name, label):
    assert parameter_label(name) == label


def test_every_preset_parameter_has_a_chinese_name():
    from benefits.presets import PRESETS

    for rows in PRESETS.values():
        for name, *_ in rows:
            assert not any(c.isascii() and c.isalpha() for c in parameter_label(name)), name


@pytest.mark.parametrize("value, unit, shown", [
    ("200000", "yuan", "200,000.00 元"), ("0.70", "rate", "70%"),
    ("malignant_tumour,uraemia_dialysis", "codes", "恶性肿瘤、尿毒症透析"),
    ("returned_to_poverty,monitored_edge", "codes", "返贫致贫人口、边缘易致贫人口（监测对象）"),
])
def test_parameter_values_with_units(value, unit, shown):
    assert parameter_value(value, unit) == shown
