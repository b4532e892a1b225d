"""The HTTP endpoints of the credit-reference service (FastAPI; OpenAPI at /docs).

``uvicorn --factory bank_api.app:create_app`` or ``python -m bank_api serve`` (``make serve``).
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, Response
from starlette.routing import Match

from bank_api import audit
from bank_api.errors import ApiError
from bank_api.schemas import (
    MONTH_PATTERN,
    USCC_PATTERN,
    BatchRequest,
    BatchResponse,
    ConsentCheck,
    ConsentCreate,
    ConsentList,
    ConsentResponse,
    ErrorResponse,
    FirmHealthResponse,
    HistoryResponse,
    Purpose,
    QueryList,
    SnapshotResponse,
)
from bank_api.service import BATCH_MAX, Service, Settings, consent_body
from bank_api.store import PURPOSES

log = logging.getLogger("bank_api")
API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="bank / firm / official key")
# The pattern is documented, not enforced by FastAPI: the service answers any malformed code
# with its own 400 invalid_uscc (and checks the check character, which no pattern can).
FIRM = Path(
    description="统一社会信用代码 (18 characters, GB 32100-2015 check character)",
    json_schema_extra={"pattern": USCC_PATTERN},
)
PURPOSE = Query(description="查询用途 pre_loan 贷前审查 · post_loan 贷后管理 · …")


def _errors(*codes: int) -> dict:
    out: dict = {c: {"model": ErrorResponse} for c in (401, 422, 429, 503, *codes)}
    out[429]["headers"] = {
        "Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}
    }
    return out


def _json_errors(*codes: int) -> dict:
    """``_errors`` for a route whose answer is not JSON: FastAPI would document the error model
    under the route's media type, so each error names application/json itself."""
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    out = {}
    for code, spec in _errors(*codes).items():
        out[code] = {"content": {"application/json": {"schema": ref}}}
        if "headers" in spec:
            out[code]["headers"] = spec["headers"]
    return out


def create_app(settings: Settings | None = None) -> FastLookup:
    """Return the service's ASGI application (state started in its lifespan)."""
    if not logging.getLogger().handlers:  # uvicorn configures only its own loggers
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    service = Service(settings)

    @asynccontextmanager
    async def lifespan(_app):
        service.start()
        try:
            yield
        finally:
            service.stop()

    app = FastAPI(
        title="企业健康诊断 · 信贷投放参考 (bank credit-reference service)",
        version="1.0.0",
        description=(
            "Scores, grades, bank points, PD, dimension scores and reasons of the firms that "
            "authorised the calling bank, from the last published snapshot. Never raw "
            "department data. Every query is audited before it is answered."
        ),
        lifespan=lifespan,
    )
    app.state.service = service

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return service.error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        errors = exc.errors()
        where = ", ".join(".".join(str(p) for p in e.get("loc", ())) for e in errors[:3])
        return service.error_response(ApiError("bad_parameter", detail=f"参数: {where}"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_parameter")
        return service.error_response(ApiError(code))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception):
        log.exception("unexpected error", exc_info=exc)
        return service.error_response(ApiError("internal_error"))

    @app.get("/healthz", include_in_schema=False)
    async def healthz():
        snap = service.holder.current
        return Response(orjson.dumps({"ok": snap is not None}), media_type="application/json")

    @app.get("/v1/snapshot", response_model=SnapshotResponse, responses=_errors())
    async def snapshot_info(api_key: str | None = Security(API_KEY)):
        """数据快照: the as-of month, model version and publication time being served."""
        ctx = service.begin(api_key, "snapshot")
        try:
            snap = service.require_snapshot(ctx)
        except ApiError as e:
            return await service.fail(ctx, e)
        body = service.envelope(
            ctx,
            {
                "published_at": snap.published_at,
                "firms": len(snap.firms),
                "model_version_column": snap.model_version_column,
            },
        )
        return await service.respond(
            ctx, body, 200, [service.audit_row(ctx, None, None, 200, "ok")]
        )

    @app.get(
        "/v1/firms/{firm_id}",
        response_model=FirmHealthResponse,
        responses=_errors(400, 403, 404),
    )
    async def firm_health(
        firm_id: str = FIRM, purpose: Purpose = PURPOSE, api_key: str | None = Security(API_KEY)
    ):
        """企业当前健康评价: score, grade, bank points, PD, five dimensions, ranked reasons,
        strengths, what lifts it a grade, as-of month and model version."""
        return await service.firm_current(api_key, firm_id, purpose.value)

    @app.get(
        "/v1/firms/{firm_id}/history",
        response_model=HistoryResponse,
        responses=_errors(400, 403, 404),
    )
    async def firm_history(
        firm_id: str = FIRM,
        purpose: Purpose = PURPOSE,
        from_month: str | None = Query(None, pattern=MONTH_PATTERN, description="YYYY-MM"),
        to_month: str | None = Query(None, pattern=MONTH_PATTERN, description="YYYY-MM"),
        api_key: str | None = Security(API_KEY),
    ):
        """企业历史评价: one row per month (score, grade, points, PD, dimensions)."""
        ctx = service.begin(api_key, "firms.history")
        code, purpose = firm_id, purpose.value
        try:
            snap = service.require_snapshot(ctx)
            code = service.firm_code(firm_id)
            service.may_read(ctx, code, purpose)
            if code not in snap.offsets:
                raise ApiError("unknown_firm")
        except ApiError as e:
            return await service.fail(ctx, e, code[:64], purpose)
        items = snap.history_rows(code, from_month, to_month)
        body = service.envelope(ctx, {"firm_id": code, "items": items})
        row = service.audit_row(ctx, code, purpose, 200, "ok")
        return await service.respond(ctx, body, 200, [row])

    @app.post(
        "/v1/firms/batch",
        response_model=BatchResponse,
        responses=_errors(413),
    )
    async def firm_batch(request: BatchRequest, api_key: str | None = Security(API_KEY)):
        """批量查询 (at most 1000 codes): one item per code with its own status."""
        ctx = service.begin(api_key, "firms.batch")
        purpose = request.purpose.value
        try:
            snap = service.require_snapshot(ctx)
            if len(request.firm_ids) > BATCH_MAX:
                raise ApiError("batch_too_large", detail=f"收到{len(request.firm_ids)}家")
        except ApiError as e:
            return await service.fail(ctx, e, None, purpose)
        parts, rows = [], []
        for raw in request.firm_ids:
            firm_id, status, item = service.batch_item(ctx, snap, raw, purpose)
            parts.append(item)
            rows.append(service.audit_row(ctx, firm_id, purpose, 200, status))
        if not rows:  # an empty batch is still a query
            rows.append(service.audit_row(ctx, None, purpose, 200, "empty"))
        body = b'{"request_id":"%s",%s,"count":%d,"items":[%s]}' % (
            ctx.request_id.encode(),
            snap.meta_bytes,
            len(parts),
            b",".join(parts),
        )
        return await service.respond(ctx, body, 200, rows)

    @app.get(
        "/v1/consents/check",
        response_model=ConsentCheck,
        responses=_errors(400, 403),
    )
    async def consent_check(
        firm_id: str = Query(description="统一社会信用代码"),
        purpose: Purpose = PURPOSE,
        api_key: str | None = Security(API_KEY),
    ):
        """授权核验 (banks): may this bank query this firm for this purpose today?"""
        ctx = service.begin(api_key, "consents.check")
        code, purpose = firm_id, purpose.value
        try:
            if ctx.principal.kind != "bank":
                raise ApiError("forbidden_role")
            code = service.firm_code(firm_id)
        except ApiError as e:
            return await service.fail(ctx, e, code[:64], purpose)
        status, consent = service.directory.consent(ctx.principal.principal_id, code, purpose)
        from bank_api.errors import ERRORS

        payload = {
            "firm_id": code,
            "bank_id": ctx.principal.principal_id,
            "purpose": purpose,
            "allowed": status == "ok",
            "status": status,
            "message": None if status == "ok" else ERRORS[status][1],
            "consent_id": consent["consent_id"] if consent else None,
            "valid_until": consent["valid_until"] if consent else None,
        }
        body = service.envelope(ctx, payload)
        row = service.audit_row(ctx, code, purpose, 200, status)
        return await service.respond(ctx, body, 200, [row])

    @app.get("/v1/consents", response_model=ConsentList, responses=_errors(400))
    async def consent_list(
        firm_id: str | None = Query(None, description="officials: filter by firm"),
        api_key: str | None = Security(API_KEY),
    ):
        """授权列表: a bank sees the consents given to it, a firm its own, an official any."""
        ctx = service.begin(api_key, "consents.list")
        p = ctx.principal
        try:
            code = service.firm_code(firm_id) if firm_id else None
        except ApiError as e:
            return await service.fail(ctx, e, (firm_id or "")[:64])
        if p.kind == "bank":
            rows = service.store.list_consents(firm_id=code, bank_id=p.principal_id)
        elif p.kind == "firm":
            rows = service.store.list_consents(firm_id=p.principal_id)
        else:
            rows = service.store.list_consents(firm_id=code)
        body = service.envelope(ctx, {"items": [consent_body(r) for r in rows]})
        return await service.respond(
            ctx, body, 200, [service.audit_row(ctx, code, None, 200, "ok")]
        )

    @app.post(
        "/v1/consents",
        status_code=201,
        response_model=ConsentResponse,
        responses=_errors(400, 403, 404),
    )
    async def consent_create(request: ConsentCreate, api_key: str | None = Security(API_KEY)):
        """记录授权: a firm authorises a bank for a purpose and a period (an official may record
        it on the firm's behalf, with ``firm_id``)."""
        ctx = service.begin(api_key, "consents.create")
        p = ctx.principal
        firm = p.principal_id if p.kind == "firm" else (request.firm_id or "")
        try:
            if p.kind == "bank":
                raise ApiError("forbidden_role")
            firm = service.firm_code(firm)
            try:
                row = service.store.grant_consent(
                    firm,
                    request.bank_id,
                    request.purpose.value,
                    request.valid_from,
                    request.valid_until,
                    granted_by=p.key_id,
                    evidence=request.evidence,
                )
            except LookupError:
                raise ApiError("unknown_bank") from None
            except ValueError as exc:
                raise ApiError("bad_parameter", detail=str(exc)) from None
        except ApiError as e:
            return await service.fail(ctx, e, firm[:64], request.purpose.value)
        service.directory.refresh(force=True)
        body = service.envelope(ctx, {"consent": consent_body(row)})
        audit_row = service.audit_row(ctx, firm, request.purpose.value, 201, "ok")
        return await service.respond(ctx, body, 201, [audit_row])

    @app.delete(
        "/v1/consents/{consent_id}",
        response_model=ConsentResponse,
        responses=_errors(403, 404),
    )
    async def consent_revoke(
        consent_id: str = Path(max_length=64), api_key: str | None = Security(API_KEY)
    ):
        """撤销授权: the firm (or an official) revokes a consent; kept, marked revoked."""
        ctx = service.begin(api_key, "consents.revoke")
        p = ctx.principal
        existing = service.store.consent(consent_id)
        firm = existing["firm_id"] if existing else None
        try:
            if p.kind == "bank":
                raise ApiError("forbidden_role")
            if existing is None:
                raise ApiError("unknown_consent")
            if p.kind == "firm" and existing["firm_id"] != p.principal_id:
                raise ApiError("not_own_firm")
        except ApiError as e:
            return await service.fail(ctx, e, firm)
        row = service.store.revoke_consent(consent_id, p.key_id)
        service.directory.refresh(force=True)
        body = service.envelope(ctx, {"consent": consent_body(row)})
        return await service.respond(
            ctx, body, 200, [service.audit_row(ctx, firm, row["purpose"], 200, "ok")]
        )

    @app.get(
        "/v1/firms/{firm_id}/report",
        response_class=HTMLResponse,
        responses=_json_errors(400, 403, 404),
    )
    async def firm_report(
        firm_id: str = FIRM,
        month: str | None = Query(
            None, pattern=MONTH_PATTERN, description="YYYY-MM; default the latest month scored"
        ),
        api_key: str | None = Security(API_KEY),
    ):
        """专属企检报告 (HTML): the firm's own check-up report, for the firm itself (its own
        code only) or an official; banks are refused (the report shows department figures)."""
        return await service.firm_report(api_key, firm_id, month)

    @app.get(
        "/v1/firms/{firm_id}/queries",
        response_model=QueryList,
        responses=_errors(400, 403),
    )
    async def firm_queries(
        firm_id: str = FIRM,
        month: str | None = Query(None, pattern=MONTH_PATTERN, description="YYYY-MM (China)"),
        api_key: str | None = Security(API_KEY),
    ):
        """查询记录: who queried this firm, when and why (the firm itself or an official)."""
        ctx = service.begin(api_key, "firms.queries")
        p = ctx.principal
        code = firm_id
        try:
            code = service.firm_code(firm_id)
            if p.kind == "bank":
                raise ApiError("forbidden_role")
            if p.kind == "firm" and p.principal_id != code:
                raise ApiError("not_own_firm")
        except ApiError as e:
            return await service.fail(ctx, e, code[:64])
        rows = audit.rows_for(service.store.engine, firm_id=code, month=month, limit=5000)
        names = service.directory.names()
        items = [
            {
                "seq": r["seq"],
                "at": r["at"],
                "principal_kind": r["principal_kind"],
                "principal_id": r["principal_id"],
                "principal_name": names.get(r["principal_id"]),
                "purpose": r["purpose"],
                "endpoint": r["endpoint"],
                "http_status": r["http_status"],
                "outcome": r["outcome"],
            }
            for r in rows
        ]
        body = service.envelope(ctx, {"firm_id": code, "items": items})
        return await service.respond(
            ctx, body, 200, [service.audit_row(ctx, code, None, 200, "ok")]
        )

    return FastLookup(app, service)


class FastLookup:
    """ASGI front of the app: answers the plain form of the hot call, ``GET
    /v1/firms/{firm_id}?purpose=…``, without FastAPI's routing and parameter machinery (the
    same ``Service.firm_current`` answers both ways); anything else goes to FastAPI.
    """

    def __init__(self, app: FastAPI, service: Service) -> None:
        self.app = app
        self.service = service
        self.state = app.state
        self._purposes = {f"purpose={p}".encode(): p for p in PURPOSES}

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            path = scope["path"]
            purpose = self._purposes.get(scope["query_string"])
            if (
                purpose
                and path.startswith("/v1/firms/")
                and path.count("/") == 3
                and len(path) > 10
            ):
                api_key = None
                for name, value in scope["headers"]:
                    if name == b"x-api-key":
                        api_key = value.decode("latin-1")
                        break
                response = await self.service.firm_current(api_key, path[10:], purpose)
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status_code,
                        "headers": response.raw_headers,
                    }
                )
                await send({"type": "http.response.body", "body": response.body})
                return
        if scope["type"] == "http" and scope["query_string"]:
            unknown = self._unknown_parameter(scope)
            if unknown is not None:
                error = ApiError("bad_parameter", detail=f"未知参数: {unknown[:40]}")
                await self.service.error_response(error)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _unknown_parameter(self, scope) -> str | None:
        """Return a query parameter the matching route does not take (a typo such as
        ``purpse=`` is refused, not ignored), or None."""
        for route in self.app.router.routes:
            match, _ = route.matches(scope)
            if match != Match.FULL:
                continue
            dependant = getattr(route, "dependant", None)
            if dependant is None:
                return None
            allowed = {p.alias for p in dependant.query_params}
            for name, _ in parse_qsl(scope["query_string"].decode("latin-1"), True):
                if name not in allowed:
                    return name
            return None
        return None
