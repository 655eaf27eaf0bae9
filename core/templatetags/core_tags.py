from django import template

from core.idnumber import mask_id_number

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.simple_tag(takes_context=True)
def id_number_for(context, person, full=False):
    """The full ID number on detail pages for users allowed to see it; masked everywhere else."""
    user = context["request"].user
    if full and user.has_perm("core.view_full_id_number"):
        return person.id_number
    return mask_id_number(person.id_number)


@register.filter
def identity_label(code):
    """The Chinese name of a hardship identity code (RULES.md section 1)."""
    from core.identity_codes import IdentityCode

    try:
        return IdentityCode(code).label
    except ValueError:
        return code


@register.filter
def yuan(value):
    """An amount with thousands separators and two decimals: 200,000.00."""
    from core.display import yuan as shown

    return shown(value)


@register.filter
def percent(rate):
    """A rate stored as a fraction as a percentage: 0.70 → 70%."""
    from core.display import percent as shown

    return shown(rate)


@register.filter
def source(text):
    """A policy source as document and article, the full title on hover (咸宁办法 第二十条)."""
    from core.display import source_html

    return source_html(text)


@register.filter
def source_plain(text):
    from core.display import source_text

    return source_text(text)
