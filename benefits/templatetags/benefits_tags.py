from django import template

from benefits import labels

register = template.Library()


@register.filter
def parameter_label(name):
    """A settlement parameter by its Chinese name: annual_cap → 年度最高支付限额."""
    return labels.parameter_label(name)


@register.simple_tag
def parameter_value(value, unit):
    """A parameter's value with its unit: 200,000.00 元, 70%, 恶性肿瘤、尿毒症透析."""
    return labels.parameter_value(value, unit)
