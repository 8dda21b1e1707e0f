"""The database keeps the ledger honest, not only Python.

On every database: inserting legs moves their accounts' balances in the same statement (so a balance is always
the sum of its legs, and the balance CheckConstraint, "not below minus the approved overdraft", meets every leg,
even one written by raw SQL).

On PostgreSQL also: a deferred constraint trigger refuses, at commit, any posting whose legs do not sum to zero
(or that has fewer than two legs), and triggers refuse any UPDATE or DELETE of a posting or a leg. SQLite (the
embedded default) has no deferred triggers: there the services' checks and `manage.py check_ledger` stand in.
"""

from django.db import migrations

BALANCE_SQLITE = """
CREATE TRIGGER brokerage_leg_moves_balance AFTER INSERT ON brokerage_leg
BEGIN
    UPDATE brokerage_fundaccount SET balance = balance + NEW.amount WHERE id = NEW.account_id;
END;
"""

BALANCE_SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS brokerage_leg_moves_balance;"

FORWARD = """
CREATE OR REPLACE FUNCTION brokerage_ledger_move_balances() RETURNS trigger AS $$
BEGIN
    UPDATE brokerage_fundaccount AS account
       SET balance = account.balance + moved.total
      FROM (SELECT account_id, SUM(amount) AS total FROM new_legs GROUP BY account_id) AS moved
     WHERE account.id = moved.account_id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER brokerage_leg_moves_balance
    AFTER INSERT ON brokerage_leg
    REFERENCING NEW TABLE AS new_legs
    FOR EACH STATEMENT EXECUTE FUNCTION brokerage_ledger_move_balances();

CREATE OR REPLACE FUNCTION brokerage_ledger_posting_balances() RETURNS trigger AS $$
DECLARE
    total bigint;
    legs integer;
BEGIN
    SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, legs FROM brokerage_leg WHERE posting_id = NEW.posting_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger: the legs of posting % sum to % pence, not zero', NEW.posting_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    IF legs < 2 THEN
        RAISE EXCEPTION 'ledger: posting % has % leg(s); it needs at least two', NEW.posting_id, legs
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION brokerage_ledger_posting_has_legs() RETURNS trigger AS $$
BEGIN
    IF (SELECT COUNT(*) FROM brokerage_leg WHERE posting_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'ledger: posting % has fewer than two legs', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION brokerage_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger: % rows are never changed or deleted; write a correcting posting', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER brokerage_leg_zero_sum
    AFTER INSERT ON brokerage_leg
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION brokerage_ledger_posting_balances();

CREATE CONSTRAINT TRIGGER brokerage_posting_has_legs
    AFTER INSERT ON brokerage_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION brokerage_ledger_posting_has_legs();

CREATE TRIGGER brokerage_leg_immutable
    BEFORE UPDATE OR DELETE ON brokerage_leg
    FOR EACH ROW EXECUTE FUNCTION brokerage_ledger_immutable();

CREATE TRIGGER brokerage_posting_immutable
    BEFORE UPDATE OR DELETE ON brokerage_posting
    FOR EACH ROW EXECUTE FUNCTION brokerage_ledger_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS brokerage_leg_moves_balance ON brokerage_leg;
DROP FUNCTION IF EXISTS brokerage_ledger_move_balances();
DROP TRIGGER IF EXISTS brokerage_posting_immutable ON brokerage_posting;
DROP TRIGGER IF EXISTS brokerage_leg_immutable ON brokerage_leg;
DROP TRIGGER IF EXISTS brokerage_posting_has_legs ON brokerage_posting;
DROP TRIGGER IF EXISTS brokerage_leg_zero_sum ON brokerage_leg;
DROP FUNCTION IF EXISTS brokerage_ledger_immutable();
DROP FUNCTION IF EXISTS brokerage_ledger_posting_has_legs();
DROP FUNCTION IF EXISTS brokerage_ledger_posting_balances();
"""


def _run(schema_editor, sql: str) -> None:
    # A plain cursor, without parameters, so that the '%' of RAISE messages is not read as a placeholder.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, FORWARD)
    elif vendor == "sqlite":
        _run(schema_editor, BALANCE_SQLITE)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, BACKWARD)
    elif vendor == "sqlite":
        _run(schema_editor, BALANCE_SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("brokerage", "0010_plans_and_funds"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
