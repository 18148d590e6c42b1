-- Per-account summary over the window ending $until (inclusive).
-- Input: the view `transactions` (account_id, date, revenue, is_return, and
-- optionally order_id, product_id, gross_margin), as kamlab.io accepts them.
-- Purchase occasions are days with at least one non-return line; frequency,
-- recency and T follow the BTYD literature (Fader, Hardie & Lee 2005):
--   frequency      = purchase days - 1 (repeat purchases)
--   recency        = (last purchase day - first purchase day) / $unit_days
--   T              = ($until - first purchase day) / $unit_days
--   monetary_value = mean sales of the repeat purchase days (0 when frequency = 0)
-- Plan: one pass groups the lines by account, day and kind (sale or return); one
-- row per account follows from those far fewer rows, with no window function. The
-- exact distinct counts of orders and products need the lines themselves: each is
-- one more hash aggregation (account x order, account x product pairs), which on
-- large logs costs more than all the rest, so `breadth` can be left out. The
-- result is sorted by the account id as text (the order of the summary's index).
-- Placeholders, filled by kamlab.summary for the optional columns:
--   {gross_margin}  gross_margin, or CAST(NULL AS DOUBLE) when the cost is unknown
--   {breadth}       a query with one row per account that bought: orders (distinct
--                   order ids), products (distinct product ids); no rows when
--                   neither is counted
--   {orders}        b.orders, or a.purchase_days when there is no order id
WITH lines AS (
    SELECT
        account_id,
        CAST(date AS DATE) AS day,
        is_return,
        revenue,
        {gross_margin} AS gross_margin
    FROM transactions
    WHERE CAST(date AS DATE) <= $until
),
days AS (
    SELECT
        account_id,
        day,
        is_return,
        SUM(revenue) AS revenue,
        COUNT(*) AS lines,
        SUM(gross_margin) AS gross_margin
    FROM lines
    GROUP BY account_id, day, is_return
),
accounts AS (
    SELECT
        account_id,
        COUNT(*) FILTER (WHERE NOT is_return) AS purchase_days,
        MIN(day) FILTER (WHERE NOT is_return) AS first_purchase,
        MAX(day) FILTER (WHERE NOT is_return) AS last_purchase,
        SUM(revenue) FILTER (WHERE NOT is_return) AS sales,
        arg_min(revenue, day) FILTER (WHERE NOT is_return) AS first_day_sales,
        SUM(revenue) AS revenue,
        -SUM(revenue) FILTER (WHERE is_return) AS returns_value,
        SUM(lines) FILTER (WHERE is_return) AS return_lines,
        SUM(lines) FILTER (WHERE NOT is_return) AS order_lines,
        SUM(gross_margin) AS gross_margin
    FROM days
    GROUP BY account_id
),
breadth AS ({breadth})
SELECT
    account_id,
    a.purchase_days - 1 AS frequency,
    date_diff('day', a.first_purchase, a.last_purchase) / $unit_days AS recency,
    date_diff('day', a.first_purchase, $until) / $unit_days AS T,
    CASE WHEN a.purchase_days > 1
         THEN (a.sales - a.first_day_sales) / (a.purchase_days - 1) ELSE 0 END AS monetary_value,
    {orders} AS orders,
    a.order_lines,
    b.products,
    a.revenue,
    COALESCE(a.returns_value, 0) AS returns_value,
    COALESCE(a.return_lines, 0) AS return_lines,
    a.gross_margin,
    a.first_purchase,
    a.last_purchase
FROM accounts a
LEFT JOIN breadth b USING (account_id)
WHERE a.purchase_days > 0
ORDER BY CAST(account_id AS VARCHAR)
