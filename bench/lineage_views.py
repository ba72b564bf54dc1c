# ruff: noqa: E501 - the corpus is SQL text, kept one clause per line
"""A generated corpus of view definitions with their expected column lineage.

Written for PurSight's lineage benchmark (``bench/lineage_parse.py``): a shop/HR/web warehouse,
and view templates of the shapes found in real reporting databases (CTE chains, recursive CTEs, inner and
outer joins, unions, subqueries in FROM and in the select list, window functions, CASE,
COALESCE, casts, date functions, EXISTS filters, self joins, DISTINCT/HAVING, ``SELECT *`` and
``t.*`` expanded from the catalog, ``JOIN … USING``, unqualified columns, JSON attributes,
pivot-style conditional sums, views over views, and each engine's stored form of a view). Each template renders in the three
dialects the connectors read (PostgreSQL, MySQL/MariaDB, SQLite) with their quoting and their
own spelling of functions, and states its expected edges itself: every output column and the
base-table (or upstream-view) columns its expression reads, window PARTITION BY/ORDER BY
included; filters, join keys and EXISTS subqueries are not column edges.

The corpus is deterministic (a seeded generator): ``views()`` returns the same list every time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

TABLES: dict[str, list[str]] = {
    "customers": [
        "id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "country",
        "city",
        "created_at",
        "loyalty_tier",
    ],
    "orders": [
        "id",
        "customer_id",
        "status",
        "total_amount",
        "currency",
        "ordered_at",
        "shipped_at",
        "channel",
    ],
    "order_items": ["id", "order_id", "product_id", "quantity", "unit_price", "discount"],
    "products": ["id", "sku", "name", "category", "list_price", "supplier_id", "attributes"],
    "suppliers": ["id", "name", "country", "contact_email"],
    "payments": ["id", "order_id", "method", "amount", "paid_at", "card_last4"],
    "employees": [
        "id",
        "full_name",
        "email",
        "department_id",
        "manager_id",
        "salary",
        "hired_at",
    ],
    "departments": ["id", "name", "cost_center"],
    "shipments": ["id", "order_id", "carrier", "tracking_number", "shipped_at", "delivered_at"],
    "web_sessions": ["id", "customer_id", "started_at", "ended_at", "pages", "device"],
}
SCHEMA = {"postgres": "public", "mysql": "shop", "sqlite": "main"}
DIALECTS = ("postgres", "mysql", "sqlite")

Edges = dict[str, set[tuple[str, str]]]


@dataclass
class View:
    name: str
    dialect: str
    sql: str
    expected: Edges
    shape: str
    columns: list[str] = field(default_factory=list)


class Sql:
    """Dialect-specific spelling: quoting, table references, concatenation, dates."""

    def __init__(self, dialect: str, rng: random.Random) -> None:
        self.dialect, self.rng = dialect, rng
        self.quote_all = rng.random() < 0.3
        self.qualify_tables = rng.random() < 0.5

    def q(self, name: str) -> str:
        if not self.quote_all:
            return name
        return f"`{name}`" if self.dialect == "mysql" else f'"{name}"'

    def t(self, table: str) -> str:
        if self.dialect == "mysql" and (self.qualify_tables or self.quote_all):
            return f"{self.q('shop')}.{self.q(table)}"
        if self.dialect == "postgres" and self.qualify_tables:
            return f"{self.q('public')}.{self.q(table)}"
        return self.q(table)

    def concat(self, *parts: str) -> str:
        if self.dialect == "mysql":
            return f"CONCAT({', '.join(parts)})"
        return " || ".join(parts)

    def month(self, column: str) -> str:
        return {
            "postgres": f"date_trunc('month', {column})",
            "mysql": f"DATE_FORMAT({column}, '%Y-%m-01')",
            "sqlite": f"strftime('%Y-%m-01', {column})",
        }[self.dialect]

    def days_between(self, a: str, b: str) -> str:
        return {
            "postgres": f"EXTRACT(EPOCH FROM ({b} - {a})) / 86400",
            "mysql": f"DATEDIFF({b}, {a})",
            "sqlite": f"julianday({b}) - julianday({a})",
        }[self.dialect]

    def cast_text(self, column: str) -> str:
        return {
            "postgres": f"CAST({column} AS TEXT)",
            "mysql": f"CAST({column} AS CHAR)",
            "sqlite": f"CAST({column} AS TEXT)",
        }[self.dialect]


Template = Callable[[Sql, random.Random, dict[str, list[str]]], tuple[str, Edges, str]]


def _pick(rng: random.Random, items: list[str], k: int) -> list[str]:
    return rng.sample(items, min(k, len(items)))


def simple(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    table = rng.choice(["customers", "products", "employees", "suppliers", "payments"])
    cols = _pick(rng, TABLES[table][1:], rng.randint(2, 4))
    renamed = {
        c: (f"{c}_{rng.choice(['v', 'x', 'out'])}" if rng.random() < 0.4 else c) for c in cols
    }
    select = ", ".join(
        f"{s.q(c)} AS {s.q(renamed[c])}" if renamed[c] != c else s.q(c) for c in cols
    )
    sql = f"SELECT {s.q('id')}, {select} FROM {s.t(table)} WHERE {s.q('id')} > {rng.randint(1, 99)}"
    expected = {"id": {(table, "id")}, **{renamed[c]: {(table, c)} for c in cols}}
    return sql, expected, "projection"


def join_concat(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sep = "' '"
    full = s.concat(f"c.{s.q('first_name')}", sep, f"c.{s.q('last_name')}")
    sql = (
        f"SELECT o.{s.q('id')} AS order_id, {full} AS customer_name, c.{s.q('email')}, "
        f"o.{s.q('total_amount')} * {rng.choice(['1.2', '0.9', '100'])} AS adjusted_total "
        f"FROM {s.t('orders')} o JOIN {s.t('customers')} c ON c.{s.q('id')} = o.{s.q('customer_id')} "
        f"WHERE o.{s.q('status')} <> 'cancelled'"
    )
    return (
        sql,
        {
            "order_id": {("orders", "id")},
            "customer_name": {("customers", "first_name"), ("customers", "last_name")},
            "email": {("customers", "email")},
            "adjusted_total": {("orders", "total_amount")},
        },
        "join",
    )


def left_join_aggregate(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    fn = rng.choice(["SUM", "AVG", "MAX", "MIN"])
    sql = (
        f"SELECT c.{s.q('id')} AS customer_id, c.{s.q('country')}, COUNT(o.{s.q('id')}) AS order_count, "
        f"{fn}(o.{s.q('total_amount')}) AS amount_{fn.lower()}, COUNT(*) AS row_count "
        f"FROM {s.t('customers')} c LEFT JOIN {s.t('orders')} o ON o.{s.q('customer_id')} = c.{s.q('id')} "
        f"GROUP BY c.{s.q('id')}, c.{s.q('country')}"
    )
    return (
        sql,
        {
            "customer_id": {("customers", "id")},
            "country": {("customers", "country")},
            "order_count": {("orders", "id")},
            f"amount_{fn.lower()}": {("orders", "total_amount")},
            "row_count": set(),
        },
        "aggregate",
    )


def cte_chain(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    threshold = rng.randint(10, 500)
    sql = (
        f"WITH line_totals AS (SELECT {s.q('order_id')}, "
        f"SUM({s.q('quantity')} * {s.q('unit_price')} - {s.q('discount')}) AS net "
        f"FROM {s.t('order_items')} GROUP BY {s.q('order_id')}), "
        f"big AS (SELECT lt.{s.q('order_id')}, lt.net FROM line_totals lt WHERE lt.net > {threshold}) "
        f"SELECT o.{s.q('id')} AS order_id, o.{s.q('ordered_at')}, big.net AS net_amount, "
        f"o.{s.q('currency')} FROM big JOIN {s.t('orders')} o ON o.{s.q('id')} = big.{s.q('order_id')}"
    )
    return (
        sql,
        {
            "order_id": {("orders", "id")},
            "ordered_at": {("orders", "ordered_at")},
            "net_amount": {
                ("order_items", "quantity"),
                ("order_items", "unit_price"),
                ("order_items", "discount"),
            },
            "currency": {("orders", "currency")},
        },
        "cte",
    )


def union(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    op = rng.choice(["UNION", "UNION ALL"])
    sql = (
        f"SELECT {s.q('email')} AS contact, {s.q('country')} AS region, 'customer' AS kind "
        f"FROM {s.t('customers')} WHERE {s.q('id')} > {rng.randint(1, 9999)} {op} "
        f"SELECT {s.q('contact_email')}, {s.q('country')}, 'supplier' FROM {s.t('suppliers')} {op} "
        f"SELECT e.{s.q('email')}, d.{s.q('name')}, 'employee' FROM {s.t('employees')} e "
        f"JOIN {s.t('departments')} d ON d.{s.q('id')} = e.{s.q('department_id')}"
    )
    return (
        sql,
        {
            "contact": {
                ("customers", "email"),
                ("suppliers", "contact_email"),
                ("employees", "email"),
            },
            "region": {("customers", "country"), ("suppliers", "country"), ("departments", "name")},
            "kind": set(),
        },
        "union",
    )


def from_subquery(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT p.{s.q('category')}, x.units, x.revenue, p.{s.q('name')} AS product "
        f"FROM (SELECT {s.q('product_id')} AS pid, SUM({s.q('quantity')}) AS units, "
        f"SUM({s.q('quantity')} * {s.q('unit_price')}) AS revenue FROM {s.t('order_items')} "
        f"GROUP BY {s.q('product_id')}) x JOIN {s.t('products')} p ON p.{s.q('id')} = x.pid "
        f"WHERE x.units >= {rng.randint(1, 20)}"
    )
    return (
        sql,
        {
            "category": {("products", "category")},
            "units": {("order_items", "quantity")},
            "revenue": {("order_items", "quantity"), ("order_items", "unit_price")},
            "product": {("products", "name")},
        },
        "subquery",
    )


def scalar_subquery(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT c.{s.q('id')}, c.{s.q('email')}, "
        f"(SELECT MAX(o.{s.q('ordered_at')}) FROM {s.t('orders')} o "
        f"WHERE o.{s.q('customer_id')} = c.{s.q('id')}) AS last_order_at, "
        f"(SELECT COUNT(*) FROM {s.t('web_sessions')} w WHERE w.{s.q('customer_id')} = c.{s.q('id')}) "
        f"AS sessions FROM {s.t('customers')} c WHERE c.{s.q('id')} > {rng.randint(1, 9999)}"
    )
    return (
        sql,
        {
            "id": {("customers", "id")},
            "email": {("customers", "email")},
            "last_order_at": {("orders", "ordered_at")},
            "sessions": set(),
        },
        "scalar subquery",
    )


def window(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    fn = rng.choice(["ROW_NUMBER()", "RANK()", "DENSE_RANK()"])
    sql = (
        f"SELECT {s.q('id')} AS employee_id, {s.q('full_name')}, {s.q('salary')}, "
        f"{fn} OVER (PARTITION BY {s.q('department_id')} ORDER BY {s.q('salary')} DESC) AS pay_rank, "
        f"AVG({s.q('salary')}) OVER (PARTITION BY {s.q('department_id')}) AS dept_avg_salary "
        f"FROM {s.t('employees')}"
    )
    return (
        sql,
        {
            "employee_id": {("employees", "id")},
            "full_name": {("employees", "full_name")},
            "salary": {("employees", "salary")},
            "pay_rank": {("employees", "department_id"), ("employees", "salary")},
            "dept_avg_salary": {("employees", "salary"), ("employees", "department_id")},
        },
        "window",
    )


def lag_cte(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    month = s.month(s.q("ordered_at"))
    sql = (
        f"WITH monthly AS (SELECT {month} AS month, SUM({s.q('total_amount')}) AS revenue "
        f"FROM {s.t('orders')} WHERE {s.q('status')} = '{rng.choice(['paid', 'shipped', 'delivered', 'returned'])}' "
        f"AND {s.q('total_amount')} > {rng.randint(0, 500)} GROUP BY {month}) "
        f"SELECT month, revenue, LAG(revenue) OVER (ORDER BY month) AS previous_revenue, "
        f"revenue - LAG(revenue) OVER (ORDER BY month) AS growth FROM monthly"
    )
    return (
        sql,
        {
            "month": {("orders", "ordered_at")},
            "revenue": {("orders", "total_amount")},
            "previous_revenue": {("orders", "total_amount"), ("orders", "ordered_at")},
            "growth": {("orders", "total_amount"), ("orders", "ordered_at")},
        },
        "window",
    )


def star(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    table = rng.choice(list(TABLES))
    sql = f"SELECT * FROM {s.t(table)} WHERE {s.q('id')} > {rng.randint(1, 9999)}"
    return sql, {c: {(table, c)} for c in TABLES[table]}, "star"


def table_star(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT p.*, s.{s.q('name')} AS supplier_name, s.{s.q('country')} AS supplier_country "
        f"FROM {s.t('products')} p LEFT JOIN {s.t('suppliers')} s ON s.{s.q('id')} = p.{s.q('supplier_id')}"
    )
    expected: Edges = {c: {("products", c)} for c in TABLES["products"]}
    expected["supplier_name"] = {("suppliers", "name")}
    expected["supplier_country"] = {("suppliers", "country")}
    return sql, expected, "star"


def case_when(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    limit = rng.randint(50, 5000)
    sql = (
        f"SELECT {s.q('id')} AS order_id, CASE WHEN {s.q('total_amount')} >= {limit} THEN 'large' "
        f"WHEN {s.q('channel')} = 'web' THEN 'online' ELSE 'standard' END AS segment, "
        f"CASE {s.q('status')} WHEN 'paid' THEN 1 ELSE 0 END AS is_paid FROM {s.t('orders')}"
    )
    return (
        sql,
        {
            "order_id": {("orders", "id")},
            "segment": {("orders", "total_amount"), ("orders", "channel")},
            "is_paid": {("orders", "status")},
        },
        "case",
    )


def coalesce_cast(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT c.{s.q('id')}, COALESCE(c.{s.q('phone')}, c.{s.q('email')}) AS best_contact, "
        f"{s.cast_text('c.' + s.q('created_at'))} AS created_text, "
        f"NULLIF(c.{s.q('loyalty_tier')}, 'basic') AS premium_tier, UPPER(c.{s.q('city')}) AS city "
        f"FROM {s.t('customers')} c WHERE c.{s.q('id')} > {rng.randint(1, 9999)}"
    )
    return (
        sql,
        {
            "id": {("customers", "id")},
            "best_contact": {("customers", "phone"), ("customers", "email")},
            "created_text": {("customers", "created_at")},
            "premium_tier": {("customers", "loyalty_tier")},
            "city": {("customers", "city")},
        },
        "functions",
    )


def dates(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT sh.{s.q('order_id')}, sh.{s.q('carrier')}, "
        f"{s.days_between('sh.' + s.q('shipped_at'), 'sh.' + s.q('delivered_at'))} AS transit_days, "
        f"{s.days_between('o.' + s.q('ordered_at'), 'sh.' + s.q('shipped_at'))} AS handling_days "
        f"FROM {s.t('shipments')} sh JOIN {s.t('orders')} o ON o.{s.q('id')} = sh.{s.q('order_id')} "
        f"WHERE sh.{s.q('delivered_at')} IS NOT NULL AND sh.{s.q('id')} > {rng.randint(1, 9999)}"
    )
    return (
        sql,
        {
            "order_id": {("shipments", "order_id")},
            "carrier": {("shipments", "carrier")},
            "transit_days": {("shipments", "shipped_at"), ("shipments", "delivered_at")},
            "handling_days": {("orders", "ordered_at"), ("shipments", "shipped_at")},
        },
        "functions",
    )


def exists_filter(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    method = rng.choice(["card", "sepa", "paypal"])
    sql = (
        f"SELECT c.{s.q('id')}, c.{s.q('email')}, c.{s.q('country')} FROM {s.t('customers')} c "
        f"WHERE EXISTS (SELECT 1 FROM {s.t('orders')} o JOIN {s.t('payments')} p "
        f"ON p.{s.q('order_id')} = o.{s.q('id')} WHERE o.{s.q('customer_id')} = c.{s.q('id')} "
        f"AND p.{s.q('method')} = '{method}') AND c.{s.q('id')} > {rng.randint(1, 9999)}"
    )
    return (
        sql,
        {
            "id": {("customers", "id")},
            "email": {("customers", "email")},
            "country": {("customers", "country")},
        },
        "subquery",
    )


def self_join(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT e.{s.q('full_name')} AS employee, m.{s.q('full_name')} AS manager, "
        f"d.{s.q('name')} AS department, e.{s.q('salary')} - m.{s.q('salary')} AS salary_gap "
        f"FROM {s.t('employees')} e LEFT JOIN {s.t('employees')} m ON m.{s.q('id')} = e.{s.q('manager_id')} "
        f"JOIN {s.t('departments')} d ON d.{s.q('id')} = e.{s.q('department_id')} "
        f"WHERE e.{s.q('salary')} > {rng.randint(1000, 99999)}"
    )
    return (
        sql,
        {
            "employee": {("employees", "full_name")},
            "manager": {("employees", "full_name")},
            "department": {("departments", "name")},
            "salary_gap": {("employees", "salary")},
        },
        "join",
    )


def having(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT DISTINCT p.{s.q('category')}, COUNT(DISTINCT oi.{s.q('order_id')}) AS orders, "
        f"SUM(oi.{s.q('quantity')}) AS units FROM {s.t('order_items')} oi "
        f"JOIN {s.t('products')} p ON p.{s.q('id')} = oi.{s.q('product_id')} "
        f"GROUP BY p.{s.q('category')} HAVING SUM(oi.{s.q('quantity')}) > {rng.randint(5, 50)}"
    )
    return (
        sql,
        {
            "category": {("products", "category")},
            "orders": {("order_items", "order_id")},
            "units": {("order_items", "quantity")},
        },
        "aggregate",
    )


def four_way(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT o.{s.q('id')} AS order_id, c.{s.q('email')}, p.{s.q('method')} AS payment_method, "
        f"p.{s.q('amount')} AS paid, sh.{s.q('tracking_number')}, "
        f"o.{s.q('total_amount')} - COALESCE(p.{s.q('amount')}, 0) AS outstanding "
        f"FROM {s.t('orders')} o INNER JOIN {s.t('customers')} c ON c.{s.q('id')} = o.{s.q('customer_id')} "
        f"LEFT OUTER JOIN {s.t('payments')} p ON p.{s.q('order_id')} = o.{s.q('id')} "
        f"LEFT JOIN {s.t('shipments')} sh ON sh.{s.q('order_id')} = o.{s.q('id')} "
        f"WHERE o.{s.q('id')} > {rng.randint(1, 9999)}"
    )
    return (
        sql,
        {
            "order_id": {("orders", "id")},
            "email": {("customers", "email")},
            "payment_method": {("payments", "method")},
            "paid": {("payments", "amount")},
            "tracking_number": {("shipments", "tracking_number")},
            "outstanding": {("orders", "total_amount"), ("payments", "amount")},
        },
        "join",
    )


def group_ordinal(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT {s.q('device')}, COUNT(*) AS sessions, AVG({s.q('pages')}) AS avg_pages, "
        f"MAX({s.q('ended_at')}) AS last_seen FROM {s.t('web_sessions')} WHERE {s.q('pages')} > {rng.randint(0, 50)} GROUP BY 1 ORDER BY 2 DESC"
    )
    return (
        sql,
        {
            "device": {("web_sessions", "device")},
            "sessions": set(),
            "avg_pages": {("web_sessions", "pages")},
            "last_seen": {("web_sessions", "ended_at")},
        },
        "aggregate",
    )


def over_view(s: Sql, rng: random.Random, earlier: dict[str, list[str]]) -> tuple[str, Edges, str]:
    """A view over an earlier view of the corpus (``SELECT *`` or a few of its columns)."""
    name = rng.choice(sorted(earlier))
    cols = earlier[name]
    if rng.random() < 0.5:
        sql = f"SELECT * FROM {s.t(name)}"
        return sql, {c: {(name, c)} for c in cols}, "view over view"
    picked = _pick(rng, cols, max(1, len(cols) // 2))
    sql = "SELECT " + ", ".join(f"v.{s.q(c)}" for c in picked) + f" FROM {s.t(name)} v"
    return sql, {c: {(name, c)} for c in picked}, "view over view"


def using_join(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    """``JOIN … USING``: the shared column is the left table's (inner and left joins)."""
    sql = (
        f"SELECT {s.q('order_id')}, {s.q('carrier')}, {s.q('method')}, {s.q('amount')} "
        f"FROM {s.t('shipments')} JOIN {s.t('payments')} USING ({s.q('order_id')}) "
        f"WHERE {s.q('amount')} > {rng.randint(1, 999)}"
    )
    return (
        sql,
        {
            "order_id": {("shipments", "order_id")},
            "carrier": {("shipments", "carrier")},
            "method": {("payments", "method")},
            "amount": {("payments", "amount")},
        },
        "join",
    )


def unqualified_join(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    """Columns without a table: the catalog's schema says which table holds each."""
    sql = (
        f"SELECT {s.q('sku')}, {s.q('list_price')}, {s.q('quantity')}, "
        f"{s.q('quantity')} * {s.q('list_price')} AS list_value, {s.q('contact_email')} "
        f"FROM {s.t('order_items')} oi JOIN {s.t('products')} p ON p.{s.q('id')} = oi.{s.q('product_id')} "
        f"JOIN {s.t('suppliers')} su ON su.{s.q('id')} = p.{s.q('supplier_id')} "
        f"WHERE oi.{s.q('quantity')} > {rng.randint(0, 99)}"
    )
    return (
        sql,
        {
            "sku": {("products", "sku")},
            "list_price": {("products", "list_price")},
            "quantity": {("order_items", "quantity")},
            "list_value": {("order_items", "quantity"), ("products", "list_price")},
            "contact_email": {("suppliers", "contact_email")},
        },
        "join",
    )


def recursive_cte(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    """An org chart: the recursive part reads the base table and itself."""
    recursive = "WITH RECURSIVE"
    sql = (
        f"{recursive} chain AS (SELECT {s.q('id')}, {s.q('full_name')}, {s.q('manager_id')}, 1 AS depth "
        f"FROM {s.t('employees')} WHERE {s.q('manager_id')} IS NULL UNION ALL "
        f"SELECT e.{s.q('id')}, e.{s.q('full_name')}, e.{s.q('manager_id')}, c.depth + 1 "
        f"FROM {s.t('employees')} e JOIN chain c ON e.{s.q('manager_id')} = c.{s.q('id')}) "
        f"SELECT {s.q('id')} AS employee_id, {s.q('full_name')}, depth FROM chain "
        f"WHERE depth <= {rng.randint(2, 40)}"
    )
    return (
        sql,
        {
            "employee_id": {("employees", "id")},
            "full_name": {("employees", "full_name")},
            "depth": set(),
        },
        "recursive cte",
    )


def conditional_aggregate(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    """Pivot-style sums: FILTER (WHERE …) where the engine has it, SUM(CASE …) elsewhere."""
    amount, method = s.q("amount"), s.q("method")
    first, second = rng.sample(["card", "sepa", "paypal", "invoice", "voucher"], 2)
    if s.dialect == "mysql":
        card = f"SUM(CASE WHEN {method} = '{first}' THEN {amount} ELSE 0 END)"
        sepa = f"SUM(CASE WHEN {method} = '{second}' THEN {amount} ELSE 0 END)"
    else:
        card = f"SUM({amount}) FILTER (WHERE {method} = '{first}')"
        sepa = f"SUM({amount}) FILTER (WHERE {method} = '{second}')"
    day = s.month(s.q("paid_at"))
    sql = (
        f"SELECT {day} AS month, {card} AS card_amount, {sepa} AS sepa_amount, "
        f"COUNT(DISTINCT {s.q('order_id')}) AS orders FROM {s.t('payments')} GROUP BY {day}"
    )
    return (
        sql,
        {
            "month": {("payments", "paid_at")},
            "card_amount": {("payments", "amount"), ("payments", "method")},
            "sepa_amount": {("payments", "amount"), ("payments", "method")},
            "orders": {("payments", "order_id")},
        },
        "aggregate",
    )


def json_attribute(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    key = rng.choice(["colour", "size", "material"])
    attrs = s.q("attributes")
    value = {
        "postgres": f"{attrs} ->> '{key}'",
        "mysql": f"JSON_UNQUOTE(JSON_EXTRACT({attrs}, '$.{key}'))",
        "sqlite": f"json_extract({attrs}, '$.{key}')",
    }[s.dialect]
    sql = f"SELECT {s.q('sku')}, {value} AS {key} FROM {s.t('products')} WHERE {attrs} IS NOT NULL"
    return sql, {"sku": {("products", "sku")}, key: {("products", "attributes")}}, "functions"


def in_subquery_limit(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    sql = (
        f"SELECT o.{s.q('id')}, o.{s.q('total_amount')} AS amount, o.{s.q('ordered_at')} "
        f"FROM {s.t('orders')} o WHERE o.{s.q('customer_id')} IN (SELECT {s.q('id')} "
        f"FROM {s.t('customers')} WHERE {s.q('loyalty_tier')} = 'gold') "
        f"ORDER BY amount DESC LIMIT {rng.choice([10, 50, 100])}"
    )
    return (
        sql,
        {
            "id": {("orders", "id")},
            "amount": {("orders", "total_amount")},
            "ordered_at": {("orders", "ordered_at")},
        },
        "subquery",
    )


def stored_form(s: Sql, rng: random.Random, _: dict) -> tuple[str, Edges, str]:
    """How the engine hands a view back: MySQL's VIEW_DEFINITION qualifies every column with
    its database and table; PostgreSQL's pg_get_viewdef adds casts and parentheses."""
    country = rng.choice(["DE", "FR", "IT", "ES", "NL", "BE", "AT", "PL", "SE", "DK", "PT", "IE"])
    if s.dialect == "mysql":
        sql = (
            "select `shop`.`c`.`id` AS `id`,`shop`.`c`.`email` AS `email`,"
            "sum(`shop`.`o`.`total_amount`) AS `spent`,count(`shop`.`o`.`id`) AS `orders` "
            "from (`shop`.`customers` `c` left join `shop`.`orders` `o` "
            "on((`shop`.`o`.`customer_id` = `shop`.`c`.`id`))) "
            f"where (`shop`.`c`.`country` = '{country}') group by `shop`.`c`.`id`,`shop`.`c`.`email`"
        )
        sql = sql.replace("`shop`.`c`.", "`c`.").replace("`shop`.`o`.", "`o`.")
    elif s.dialect == "postgres":
        sql = (
            " SELECT c.id,\n    c.email,\n    sum(o.total_amount) AS spent,\n"
            "    count(o.id) AS orders\n   FROM (customers c\n"
            "     LEFT JOIN orders o ON ((o.customer_id = c.id)))\n"
            f"  WHERE ((c.country)::text = '{country}'::text)\n  GROUP BY c.id, c.email;"
        )
    else:
        sql = (
            'SELECT "c"."id", "c"."email", SUM("o"."total_amount") AS "spent", '
            'COUNT("o"."id") AS "orders" FROM "customers" AS "c" LEFT JOIN "orders" AS "o" '
            f'ON "o"."customer_id" = "c"."id" WHERE "c"."country" = \'{country}\' '
            'GROUP BY "c"."id", "c"."email"'
        )
    return (
        sql,
        {
            "id": {("customers", "id")},
            "email": {("customers", "email")},
            "spent": {("orders", "total_amount")},
            "orders": {("orders", "id")},
        },
        "stored form",
    )


TEMPLATES: list[Template] = [
    simple,
    join_concat,
    left_join_aggregate,
    cte_chain,
    union,
    from_subquery,
    scalar_subquery,
    window,
    lag_cte,
    star,
    table_star,
    case_when,
    coalesce_cast,
    dates,
    exists_filter,
    self_join,
    having,
    four_way,
    group_ordinal,
    over_view,
    using_join,
    unqualified_join,
    recursive_cte,
    conditional_aggregate,
    json_attribute,
    in_subquery_limit,
    stored_form,
]


def views(per_dialect: int = 81, seed: int = 2026) -> list[View]:
    """``per_dialect`` views in each dialect (243 by default: three of each of the 27 shapes),
    the same ones on every call."""
    rng = random.Random(seed)
    out: list[View] = []
    seen: set[str] = set()
    for dialect in DIALECTS:
        earlier: dict[str, list[str]] = {}
        for i in range(per_dialect):
            template = TEMPLATES[i % len(TEMPLATES)]
            if template is over_view and not earlier:
                template = simple
            for _ in range(20):  # draw again until the text is new
                s = Sql(dialect, rng)
                sql, expected, shape = template(s, rng, earlier)
                if sql not in seen:
                    break
            seen.add(sql)
            if rng.random() < 0.3:
                sql = sql.replace("SELECT", "select").replace(" FROM ", " from ")
            name = f"v_{dialect}_{i:03d}_{template.__name__}"
            if dialect == "sqlite":
                sql = f"CREATE VIEW {name} AS {sql}"
            elif dialect == "postgres" and not sql.endswith(";") and rng.random() < 0.5:
                sql += ";"
            out.append(View(name, dialect, sql, expected, shape, list(expected)))
            if template is not over_view:
                earlier[name] = list(expected)
    return out
