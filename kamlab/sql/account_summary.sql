-- Per-account summary over the window ending $until (inclusive).
-- Input: the view `transactions` (account_id, date, revenue, is_return, and
-- optionally order_id, product_id, gross_margin), as kamlab.io accepts them.
-- Purchase occasions are days with at least one non-return line; frequency,
-- recency and T follow the BTYD literature (Fader, Hardie & Lee 2005):
--   frequency      = purchase days - 1 (repeat purchases)
--   recency        = (last purchase day - first purchase day) / $unit_days
--   T              = ($until - first purchase day) / $unit_days
--   monetary_value = mean sales of the repeat purchase days (0 when frequency = 0)
-- One pass over the lines groups them by account, day, order and kind (sale or
-- return); every later step works on those far fewer rows, except the distinct
-- products per account, which needs the lines again. Placeholders {order_key},
-- {margin_sum} and {breadth} are filled by kamlab.summary for the optional columns.
WITH orders AS (
    SELECT
        account_id,
        CAST(date AS DATE) AS day,
        {order_key} AS order_key,
        is_return,
        SUM(revenue) AS revenue,
        COUNT(*) AS lines,
        {margin_sum} AS gross_margin
    FROM transactions
    WHERE CAST(date AS DATE) <= $until
    GROUP BY ALL
),
purchase_days AS (
    SELECT account_id, day, SUM(revenue) AS sales
    FROM orders
    WHERE NOT is_return
    GROUP BY account_id, day
),
occasions AS (
    SELECT
        account_id,
        COUNT(*) AS purchase_days,
        MIN(day) AS first_purchase,
        MAX(day) AS last_purchase,
        SUM(sales) AS sales,
        arg_min(sales, day) AS first_day_sales
    FROM purchase_days
    GROUP BY account_id
),
totals AS (
    SELECT
        account_id,
        SUM(revenue) AS revenue,
        -SUM(revenue) FILTER (WHERE is_return) AS returns_value,
        SUM(lines) FILTER (WHERE is_return) AS return_lines,
        SUM(lines) FILTER (WHERE NOT is_return) AS order_lines,
        COUNT(DISTINCT order_key) FILTER (WHERE NOT is_return) AS orders,
        SUM(gross_margin) AS gross_margin
    FROM orders
    GROUP BY account_id
),
breadth AS ({breadth})
SELECT
    o.account_id,
    o.purchase_days - 1 AS frequency,
    date_diff('day', o.first_purchase, o.last_purchase) / $unit_days AS recency,
    date_diff('day', o.first_purchase, $until) / $unit_days AS T,
    CASE WHEN o.purchase_days > 1
         THEN (o.sales - o.first_day_sales) / (o.purchase_days - 1) ELSE 0 END AS monetary_value,
    t.orders,
    t.order_lines,
    b.products,
    t.revenue,
    COALESCE(t.returns_value, 0) AS returns_value,
    COALESCE(t.return_lines, 0) AS return_lines,
    t.gross_margin,
    o.first_purchase,
    o.last_purchase
FROM occasions o
JOIN totals t USING (account_id)
LEFT JOIN breadth b USING (account_id)
