-- Account x period panel: net revenue, gross margin, orders and purchase days per
-- calendar period (date_trunc unit $period: 'quarter', 'month' or 'year').
-- Input: the view `transactions`, as for account_summary.sql.
SELECT
    account_id,
    CAST(date_trunc($period, CAST(date AS DATE)) AS DATE) AS period_start,
    SUM(revenue) AS revenue,
    {margin_sum} AS gross_margin,
    {order_count} AS orders,
    COUNT(DISTINCT CAST(date AS DATE)) FILTER (WHERE NOT is_return) AS purchase_days
FROM transactions
WHERE CAST(date AS DATE) <= $until
GROUP BY account_id, period_start
ORDER BY account_id, period_start
