"""The demo: a realistic SQLite shop database, registered and scanned."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

SCHEMA_SQL = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    first_name VARCHAR(60) NOT NULL,
    last_name VARCHAR(60) NOT NULL,
    email VARCHAR(255) NOT NULL,
    phone VARCHAR(40),
    date_of_birth DATE,
    street_address VARCHAR(200),
    city VARCHAR(100),
    postal_code VARCHAR(20),
    country VARCHAR(60),
    loyalty_tier VARCHAR(10) DEFAULT 'basic',
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    order_number VARCHAR(20) NOT NULL,
    status VARCHAR(20) NOT NULL,
    total_amount NUMERIC(10,2) NOT NULL,
    currency CHAR(3) NOT NULL DEFAULT 'EUR',
    shipping_address TEXT,
    ordered_at TIMESTAMP NOT NULL
);
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    card_number VARCHAR(25),
    card_holder VARCHAR(120),
    iban VARCHAR(34),
    amount NUMERIC(10,2) NOT NULL,
    method VARCHAR(20) NOT NULL,
    paid_at TIMESTAMP
);
CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    full_name VARCHAR(120) NOT NULL,
    work_email VARCHAR(255) NOT NULL,
    ssn VARCHAR(11),
    job_title VARCHAR(100),
    salary NUMERIC(10,2),
    hire_date DATE,
    last_login_ip VARCHAR(45)
);
CREATE VIEW customer_order_totals AS
    SELECT c.id AS customer_id, c.email, COUNT(o.id) AS orders, SUM(o.total_amount) AS total
    FROM customers c LEFT JOIN orders o ON o.customer_id = c.id GROUP BY c.id, c.email;
CREATE VIEW order_payments AS
    SELECT o.id AS order_id, o.order_number, o.customer_id, o.total_amount, p.method,
           p.card_number, p.card_holder, p.iban, p.amount AS paid_amount, p.paid_at
    FROM orders o JOIN payments p ON p.order_id = o.id;
CREATE VIEW customer_segments AS
    WITH ranked AS (
        SELECT t.customer_id, t.email, t.total,
               NTILE(4) OVER (ORDER BY t.total DESC) AS quartile
        FROM customer_order_totals t)
    SELECT r.customer_id, r.email, c.country, r.total,
           CASE r.quartile WHEN 1 THEN 'top' WHEN 4 THEN 'low' ELSE 'middle' END AS segment
    FROM ranked r JOIN customers c ON c.id = r.customer_id;
"""


def build_demo_database(path: Path, *, customers: int = 500, seed: int = 42) -> Path:
    """(Re)create the demo shop database at ``path`` with fake but realistic data."""
    from faker import Faker

    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    fake = Faker(["en_US", "en_GB", "de_DE", "fr_FR"])
    Faker.seed(seed)
    rng = random.Random(seed)
    con = sqlite3.connect(path)
    con.executescript(SCHEMA_SQL)
    today = date(2026, 1, 1)
    rows = []
    for i in range(1, customers + 1):
        rows.append(
            (
                i,
                fake.first_name(),
                fake.last_name(),
                fake.unique.email(),
                fake.phone_number(),
                fake.date_of_birth(minimum_age=18, maximum_age=90).isoformat(),
                fake.street_address(),
                fake.city(),
                fake.postcode(),
                fake.country(),
                rng.choice(["basic", "silver", "gold"]),
                (today - timedelta(days=rng.randint(0, 1500))).isoformat() + " 10:00:00",
            )
        )
    con.executemany("INSERT INTO customers VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    orders, payments = [], []
    for oid in range(1, customers * 3 + 1):
        amount = round(rng.uniform(5, 900), 2)
        orders.append(
            (
                oid,
                rng.randint(1, customers),
                f"SO-{100000 + oid}",
                rng.choice(["new", "paid", "shipped", "delivered", "returned"]),
                amount,
                "EUR",
                fake.address().replace("\n", ", "),
                (today - timedelta(days=rng.randint(0, 700))).isoformat() + " 12:00:00",
            )
        )
        method = rng.choice(["card", "card", "sepa"])
        payments.append(
            (
                oid,
                oid,
                fake.credit_card_number() if method == "card" else None,
                fake.name() if method == "card" else None,
                fake.iban() if method == "sepa" else None,
                amount,
                method,
                (today - timedelta(days=rng.randint(0, 700))).isoformat() + " 12:05:00",
            )
        )
    con.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?,?,?)", orders)
    con.executemany("INSERT INTO payments VALUES (?,?,?,?,?,?,?,?)", payments)
    us = Faker("en_US")
    us.seed_instance(seed)
    employees = [
        (
            i,
            us.name(),
            f"employee{i}@pursight-demo.example",
            us.ssn(),
            us.job(),
            round(rng.uniform(35000, 160000), 2),
            us.date_between(date(2010, 1, 1), today).isoformat(),
            us.ipv4_public(),
        )
        for i in range(1, 121)
    ]
    con.executemany("INSERT INTO employees VALUES (?,?,?,?,?,?,?,?)", employees)
    con.commit()
    con.close()
    return path
