-- The newest completed action of a customer, which every portal page reads to decide whether to
-- ask a survey (`store::surveys::facts`), found in the order it is wanted without reading the
-- customer's page views (issue 15). Before, `portal_events_customer` gave every event of the
-- customer, page views included, and each page view made the next page's lookup longer. Page
-- views are not in this index, so recording one costs no extra entry.
CREATE INDEX portal_events_completed_actions
    ON portal_events (tenant_id, customer_id, completed_at DESC, id DESC)
    WHERE kind = 'action' AND status = 'completed';
