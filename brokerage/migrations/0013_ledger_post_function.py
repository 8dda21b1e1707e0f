"""One posting in one statement on PostgreSQL: `brokerage_ledger_post(...)`.

`brokerage.funds.services._post` calls it (on PostgreSQL) after checking the legs in Python. In one round trip
it locks the accounts the legs touch in id order (so two postings never deadlock), refuses a balance that would
go below minus the account's approved overdraft (returning which account is short, and writing nothing), and
writes the posting, its audit event and its legs. The legs' insert moves the balances by the trigger of 0011,
and the deferred zero-sum triggers of 0011 still check the posting at commit: this function is the fast path,
not a way round the database's rules. SQLite has no such function; there `_post` does the same steps in Python.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION brokerage_ledger_post(
    p_partnership bigint,
    p_kind text,
    p_memo text,
    p_created_by bigint,
    p_created_at timestamptz,
    p_booking bigint,
    p_invoice bigint,
    p_reference text,
    p_idempotency_key text,
    p_funds bigint[],
    p_kinds text[],
    p_amounts bigint[],
    p_audit_action text,
    p_audit_content_type integer,
    p_audit_data jsonb
) RETURNS TABLE (posting_id bigint, short_fund bigint, short_kind text, short_has bigint) AS $$
DECLARE
    wanted integer;
    locked integer;
    short record;
    new_id bigint;
BEGIN
    IF array_length(p_funds, 1) IS DISTINCT FROM array_length(p_kinds, 1)
       OR array_length(p_funds, 1) IS DISTINCT FROM array_length(p_amounts, 1) THEN
        RAISE EXCEPTION 'ledger: funds, kinds and amounts must be arrays of one length' USING ERRCODE = 'data_exception';
    END IF;

    -- Lock the accounts in id order; a second posting on them waits here, then reads their new balances.
    SELECT COUNT(*) INTO wanted FROM (SELECT DISTINCT f, k FROM unnest(p_funds, p_kinds) AS l(f, k)) AS d;
    PERFORM 1
       FROM brokerage_fundaccount AS a
      WHERE (a.fund_id, a.kind) IN (SELECT f, k FROM unnest(p_funds, p_kinds) AS l(f, k))
      ORDER BY a.id
        FOR NO KEY UPDATE;
    GET DIAGNOSTICS locked = ROW_COUNT;
    IF locked < wanted THEN
        RETURN QUERY
            SELECT NULL::bigint, l.f, l.k, NULL::bigint
              FROM unnest(p_funds, p_kinds) AS l(f, k)
             WHERE NOT EXISTS (SELECT 1 FROM brokerage_fundaccount AS a WHERE a.fund_id = l.f AND a.kind = l.k)
             LIMIT 1;
        RETURN;
    END IF;

    -- Refuse a balance that would go below minus the approved overdraft (funding accounts may go negative).
    SELECT d.f, d.k, a.balance + a.overdraft_limit AS has INTO short
      FROM (SELECT f, k, SUM(m) AS delta FROM unnest(p_funds, p_kinds, p_amounts) AS l(f, k, m) GROUP BY f, k) AS d
      JOIN brokerage_fundaccount AS a ON a.fund_id = d.f AND a.kind = d.k
     WHERE d.delta < 0 AND a.kind <> 'funding' AND a.balance + d.delta < -a.overdraft_limit
     ORDER BY a.id
     LIMIT 1;
    IF FOUND THEN
        RETURN QUERY SELECT NULL::bigint, short.f, short.k, short.has;
        RETURN;
    END IF;

    INSERT INTO brokerage_posting
        (partnership_id, kind, memo, created_by_id, created_at, idempotency_key, booking_id, invoice_id, reference)
    VALUES
        (p_partnership, p_kind, p_memo, p_created_by, p_created_at, p_idempotency_key, p_booking, p_invoice,
         p_reference)
    RETURNING id INTO new_id;

    INSERT INTO breakthrough_auditevent (at, actor_id, action, content_type_id, object_id, partnership_id, data)
    VALUES (p_created_at, p_created_by, p_audit_action, p_audit_content_type, new_id::text, p_partnership,
            p_audit_data);

    -- One statement: the balance trigger moves every leg's account (rows locked above).
    INSERT INTO brokerage_leg (posting_id, account_id, amount)
    SELECT new_id, a.id, l.m
      FROM unnest(p_funds, p_kinds, p_amounts) WITH ORDINALITY AS l(f, k, m, n)
      JOIN brokerage_fundaccount AS a ON a.fund_id = l.f AND a.kind = l.k
     ORDER BY l.n;

    RETURN QUERY SELECT new_id, NULL::bigint, NULL::text, NULL::bigint;
END;
$$ LANGUAGE plpgsql;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS brokerage_ledger_post(
    bigint, text, text, bigint, timestamptz, bigint, bigint, text, text, bigint[], text[], bigint[], text, integer,
    jsonb
);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [
        ("brokerage", "0012_grants_and_direct_payments"),
    ]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
