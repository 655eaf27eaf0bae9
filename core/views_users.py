"""用户管理: officers list, create, change and deactivate the users of their own subtree. The
rules (which regions, which roles, whose accounts) are core.services.users'; a user of another
county is a 404 and a recorded attempt (get_restricted_object_or_404)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from core.errors import ServiceError
from core.forms import UserCreateForm, UserEditForm, UserPasswordForm, UserSearchForm
from core.models import User
from core.selectors_users import users_of
from core.services import users as user_services
from core.validation import page_param, refuses_bad_query, search_form
from core.views_base import get_restricted_object_or_404

PAGE_SIZE = 50
PERMISSION = user_services.MANAGE_PERMISSION


def _apply_error(form, error: ServiceError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _trail(*items):
    return [("用户管理", reverse("users:list")), *items]


def _target(request, pk) -> User:
    return get_restricted_object_or_404(request, User.objects.select_related("region", "facility").prefetch_related("groups"), pk=pk)


@permission_required(PERMISSION, raise_exception=True)
@refuses_bad_query
def user_list(request):
    form = UserSearchForm(request.GET or None, officer=request.user)
    data = search_form(form)
    users = users_of(request.user, region=data.get("region"), role=data.get("role", ""),
                     active=form.active_value() if data else None, query=data.get("q", ""))
    page = Paginator(users, PAGE_SIZE).get_page(page_param(request))
    query = request.GET.copy()
    query.pop("page", None)
    grantable = user_services.grantable_roles(request.user)
    rows = [{"user": u, "roles": user_services.role_names(u),
             "editable": user_services.manage_refusal(request.user, u, grantable=grantable) is None} for u in page.object_list]
    return render(request, "users/list.html", {
        "form": form, "page": page, "rows": rows, "extra": f"&{query.urlencode()}" if query else "",
    })


@never_cache
@permission_required(PERMISSION, raise_exception=True)
def user_new(request):
    form = UserCreateForm(request.POST or None, officer=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        generated = data["password_choice"] == "generate"
        password = user_services.generate_password() if generated else data["password"]
        try:
            with transaction.atomic():  # a facility's account and its token, or neither
                user = user_services.user_create(
                    officer=request.user, username=data["username"], full_name=data["full_name"], region=data["region"],
                    roles=data["roles"], department=data["department"], password=password, facility=data["facility"],
                )
                token, _revoked = user_services.facility_token_issue(officer=request.user, user=user) if user.facility_id else (None, 0)
        except ServiceError as error:
            _apply_error(form, error)
        else:
            if token:
                return render(request, "users/created.html", {
                    "created": user, "password": token, "password_label": "接口令牌", "roles": user_services.role_names(user),
                    "trail": _trail((f"新建用户：{user.full_name}", "")),
                })
            if not generated:
                messages.success(request, f"已创建用户 {user.username}（{user.full_name}）")
                return redirect("users:list")
            # Shown on this response only, never stored: the officer hands it to the user.
            return render(request, "users/created.html", {
                "created": user, "password": password, "roles": user_services.role_names(user),
                "trail": _trail((f"新建用户：{user.full_name}", "")),
            })
    return render(request, "users/form.html", {"form": form, "title": "新建用户", "trail": _trail(("新建用户", ""))})


@permission_required(PERMISSION, raise_exception=True)
def user_edit(request, pk):
    target = _target(request, pk)
    refusal = user_services.manage_refusal(request.user, target)
    initial = {"full_name": target.full_name, "region": target.region_id, "roles": user_services.role_names(target),
               "department": target.department, "is_active": target.is_active, "facility": target.facility_id}
    form = UserEditForm(request.POST or None, initial=initial, officer=request.user)
    if request.method == "POST" and refusal is None and form.is_valid():
        data = form.cleaned_data
        try:
            user_services.user_update(officer=request.user, user=target, full_name=data["full_name"], region=data["region"],
                                      roles=data["roles"], department=data["department"], is_active=data["is_active"],
                                      facility=data["facility"])
        except ServiceError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"已保存用户 {target.username} 的信息")
            return redirect("users:list")
    return render(request, "users/form.html", {
        "form": form if refusal is None else None, "refusal": refusal, "target": target,
        "title": f"修改用户：{target.full_name or target.username}", "actions": True, "history": user_services.user_history(target),
        "trail": _trail((target.full_name or target.username, "")),
    })


@permission_required(PERMISSION, raise_exception=True)
def user_deactivate(request, pk):
    target = _target(request, pk)
    refusal = user_services.manage_refusal(request.user, target)
    error = None
    if request.method == "POST" and refusal is None:
        try:
            user_services.user_deactivate(officer=request.user, user=target)
        except ServiceError as service_error:
            error = service_error.message
        else:
            messages.success(request, f"已停用用户 {target.username}（{target.full_name}），其已登录的会话已结束")
            return redirect("users:list")
    return render(request, "users/deactivate.html", {
        "target": target, "refusal": refusal or error, "roles": user_services.role_names(target),
        "trail": _trail((target.full_name or target.username, reverse("users:edit", args=[target.pk])), ("停用账号", "")),
    })


@never_cache
@permission_required(PERMISSION, raise_exception=True)
def user_password(request, pk):
    """重设密码: for a user who lost theirs; their open sessions end."""
    target = _target(request, pk)
    refusal = user_services.manage_refusal(request.user, target)
    if target.facility_id:
        return _facility_token(request, target, refusal)
    form = UserPasswordForm(request.POST or None)
    if request.method == "POST" and refusal is None and form.is_valid():
        generated = form.cleaned_data["password_choice"] == "generate"
        password = user_services.generate_password() if generated else form.cleaned_data["password"]
        try:
            user_services.user_set_password(officer=request.user, user=target, password=password)
        except ServiceError as error:
            _apply_error(form, error)
        else:
            if not generated:
                messages.success(request, f"已重设用户 {target.username} 的密码，其已登录的会话已结束")
                return redirect("users:edit", pk=target.pk)
            return render(request, "users/created.html", {
                "created": target, "password": password, "roles": user_services.role_names(target),
                "heading": "密码已重设", "password_label": "新密码",
                "trail": _trail((target.full_name or target.username, reverse("users:edit", args=[target.pk])), ("重设密码", "")),
            })
    return render(request, "users/form.html", {
        "form": form if refusal is None else None, "refusal": refusal, "target": target,
        "title": f"重设密码：{target.full_name or target.username}", "history": user_services.user_history(target),
        "trail": _trail((target.full_name or target.username, reverse("users:edit", args=[target.pk])), ("重设密码", "")),
    })


def _facility_token(request, target, refusal):
    """生成接口令牌 of a 定点医疗机构 account (it has no password): the new token is shown once and
    the earlier ones stop working."""
    trail = _trail((target.full_name or target.username, reverse("users:edit", args=[target.pk])), ("生成接口令牌", ""))
    error = None
    if request.method == "POST" and refusal is None:
        try:
            token, revoked = user_services.facility_token_issue(officer=request.user, user=target)
        except ServiceError as service_error:
            error = service_error.message
        else:
            return render(request, "users/created.html", {
                "created": target, "password": token, "roles": user_services.role_names(target), "revoked": revoked,
                "heading": "接口令牌已生成", "password_label": "接口令牌", "trail": trail,
            })
    return render(request, "users/token.html", {"target": target, "refusal": refusal or error, "trail": trail,
                                                "history": user_services.user_history(target)})
