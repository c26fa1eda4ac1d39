-- The portal's second part (docs/adr/0029): payment methods the customer manages, help (FAQ and
-- billing questions) and surveys (NPS, CSAT, CES).

-- What the customer recognises a card by: the brand (from the number's first digits) and the
-- expiry when it is known (the provider's, or as typed in the portal).
ALTER TABLE payment_methods ADD COLUMN brand TEXT;
ALTER TABLE payment_methods ADD COLUMN exp_month SMALLINT CHECK (exp_month BETWEEN 1 AND 12);
ALTER TABLE payment_methods ADD COLUMN exp_year SMALLINT CHECK (exp_year BETWEEN 2000 AND 2200);
-- A method the customer removed: never charged again, never the default; the row stays for the
-- payment attempts that name it.
ALTER TABLE payment_methods ADD COLUMN removed_at TIMESTAMPTZ;
ALTER TABLE payment_methods ADD CONSTRAINT payment_methods_removed_not_default CHECK (removed_at IS NULL OR NOT is_default);

-- What an event is about beyond its action (a help search's words and hit count, the method
-- an action touched).
ALTER TABLE portal_events ADD COLUMN detail JSONB;
CREATE INDEX portal_events_customer ON portal_events (tenant_id, customer_id, started_at);

-- The tenant's portal settings.
CREATE TABLE portal_settings (
    tenant_id     UUID PRIMARY KEY REFERENCES tenants (tenant_id),
    -- How long a customer uses the portal before the NPS question is offered.
    nps_wait_days INT NOT NULL DEFAULT 30 CHECK (nps_wait_days BETWEEN 0 AND 3650),
    updated_at    TIMESTAMPTZ NOT NULL
);

-- The merchant's FAQ, per language, in the order given (a PUT replaces the whole list).
CREATE TABLE portal_faq_entries (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants (tenant_id),
    locale      TEXT NOT NULL,
    position    INT NOT NULL,
    question    TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 500),
    answer      TEXT NOT NULL CHECK (length(answer) BETWEEN 1 AND 10000),
    updated_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, locale, position)
);

-- A customer's billing question and its thread. `status`: open (waiting for the merchant),
-- answered (the merchant replied last), closed. The timestamps feed the console and analytics
-- (time to first response, time to resolution).
CREATE TABLE billing_questions (
    tenant_id         UUID NOT NULL,
    id                UUID NOT NULL,
    customer_id       UUID NOT NULL,
    topic             TEXT NOT NULL CHECK (topic IN ('invoice', 'payment', 'plan', 'refund', 'tax', 'other')),
    invoice_id        UUID,
    status            TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
    created_at        TIMESTAMPTZ NOT NULL,
    first_response_at TIMESTAMPTZ,
    resolved_at       TIMESTAMPTZ,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX billing_questions_status ON billing_questions (tenant_id, status, created_at);
CREATE INDEX billing_questions_customer ON billing_questions (tenant_id, customer_id, created_at);

CREATE TABLE billing_question_messages (
    id          BIGSERIAL PRIMARY KEY,
    tenant_id   UUID NOT NULL,
    question_id UUID NOT NULL,
    -- `customer` or `staff`; staff replies carry the name the customer sees.
    author      TEXT NOT NULL CHECK (author IN ('customer', 'staff')),
    author_name TEXT,
    body        TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at  TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (tenant_id, question_id) REFERENCES billing_questions (tenant_id, id)
);
CREATE INDEX billing_question_messages_question ON billing_question_messages (tenant_id, question_id, id);

-- Survey answers: NPS (0-10), CSAT (1-5), CES (1-7). A dismissed survey is a row without a
-- score, so that it is not asked again. CSAT and CES are asked about one completed action
-- (`context_event`, a row of portal_events), never twice.
CREATE TABLE survey_responses (
    id             BIGSERIAL PRIMARY KEY,
    tenant_id      UUID NOT NULL,
    customer_id    UUID NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('nps', 'csat', 'ces')),
    score          SMALLINT,
    dismissed      BOOLEAN NOT NULL DEFAULT FALSE,
    comment        TEXT CHECK (length(comment) <= 2000),
    context_action TEXT,
    context_event  BIGINT,
    created_at     TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
    CHECK (dismissed = (score IS NULL)),
    CHECK (score IS NULL
           OR (kind = 'nps' AND score BETWEEN 0 AND 10)
           OR (kind = 'csat' AND score BETWEEN 1 AND 5)
           OR (kind = 'ces' AND score BETWEEN 1 AND 7))
);
CREATE UNIQUE INDEX survey_responses_once ON survey_responses (tenant_id, customer_id, kind, context_event)
    WHERE context_event IS NOT NULL;
CREATE INDEX survey_responses_tenant ON survey_responses (tenant_id, kind, created_at);
