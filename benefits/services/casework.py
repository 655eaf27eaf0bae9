"""Who does a county office's casework (经办): filing remote care (异地就医备案) and taking paper
bills (手工报销). The pooling region (统筹区: 咸宁市, 十堰市, 吉林省) runs the scheme, and its
county offices and its own agency serve the insured (X000 art. 19; S001 市级统筹 §三(一), §三(三)2:
the county office files and pays, the city's agency above it may too). A user bound to a region
above every pooling region of its subtree (湖北省, above 咸宁 and 十堰) supervises: it reads the
filings and the bills, it files and takes none. A user bound to a pooling region itself (吉林省,
whose pooling region is the province) is that region's agency and does the casework.

The one rule for the services (filings, claims), their pages and menus alike.
"""

from benefits.services.policy import pooling_codes
from core.models import Region
from core.restrict import user_region_path


READ_ONLY_BILLS = "省级用户只能查看结算单，冲正请由参保地县（市、区）或统筹区医保经办机构办理"
READ_ONLY_SETTLEMENT_IMPORT = "省级用户只能查看结算单，不能导入定点机构结算数据；请由统筹区或县（市、区）医保经办机构导入"


def may_reverse(user) -> bool:
    """冲正 a bill: the permission, and casework (a county office or its pooling region's agency)."""
    return user.has_perm("benefits.reverse_settlement") and not above_pooling_regions(user)


def above_pooling_regions(user) -> bool:
    """Whether the user's region lies above the pooling regions: it is none of them and under
    none of them, and some pooling region lies under it. Superusers (the installation's
    operators) and users bound to no region are not (the region rules refuse the latter).
    Cached on the user object for the request, as its region path is (core.restrict)."""
    if user is None or not user.is_authenticated or user.is_superuser or not user.region_id:
        return False
    cached = getattr(user, "_above_pooling_cache", None)
    if cached is None:
        path = user_region_path(user)
        pooling = pooling_codes()
        inside_one = any(code in pooling for code in path.split("/") if code)
        cached = not inside_one and Region.objects.filter(code__in=pooling, path__startswith=path).exists()
        user._above_pooling_cache = cached
    return cached
