-- Per-account summary over the window ending $until (inclusive).
-- Input: the view `transactions`: account_key (integer key of the account id, in
-- the ids' sorted order), date, revenue, is_return, and optionally gross_margin,
-- first_order and first_product (see kamlab/io/keys.py: true on the earliest
-- purchase line of each account x order, account x product pair).
-- Purchase occasions are days with at least one non-return line; frequency,
-- recency and T follow the BTYD literature (Fader, Hardie & Lee 2005):
--   frequency      = purchase days - 1 (repeat purchases)
--   recency        = (last purchase day - first purchase day) / $unit_days
--   T              = ($until - first purchase day) / $unit_days
--   monetary_value = mean sales of the repeat purchase days (0 when frequency = 0)
--   orders         = distinct order ids of purchase lines = lines flagged first_order
--                    in the window (a pair is in the window iff its earliest line is)
--   products       = likewise, lines flagged first_product
-- Plan: one pass groups the lines by account, day and kind (sale or return); one
-- row per account follows from those far fewer rows, with no window function and
-- no distinct count. Rows come in no particular order: kamlab.summary puts them in
-- account_key order (a counting sort in numpy, cheaper than ORDER BY on 1M rows). On an engine without the keys, orders and products are
-- COUNT(DISTINCT order_id) and COUNT(DISTINCT product_id) over the purchase lines.
-- Placeholders, filled by kamlab.summary for the optional columns:
--   {gross_margin}   gross_margin, or CAST(NULL AS DOUBLE) when the cost is unknown
--   {first_order}    CAST(first_order AS INTEGER), or CAST(NULL AS INTEGER)
--   {first_product}  likewise for first_product
--   {orders}         a.orders, or a.purchase_days when there is no order id
WITH lines AS (
    SELECT
        account_key,
        CAST(date AS DATE) AS day,
        is_return,
        revenue,
        {gross_margin} AS gross_margin,
        {first_order} AS first_order,
        {first_product} AS first_product
    FROM transactions
    WHERE CAST(date AS DATE) <= $until
),
days AS (
    SELECT
        account_key,
        day,
        is_return,
        SUM(revenue) AS revenue,
        COUNT(*) AS lines,
        SUM(gross_margin) AS gross_margin,
        SUM(first_order) AS orders,
        SUM(first_product) AS products
    FROM lines
    GROUP BY account_key, day, is_return
),
accounts AS (
    SELECT
        account_key,
        COUNT(*) FILTER (WHERE NOT is_return) AS purchase_days,
        MIN(day) FILTER (WHERE NOT is_return) AS first_purchase,
        MAX(day) FILTER (WHERE NOT is_return) AS last_purchase,
        SUM(revenue) FILTER (WHERE NOT is_return) AS sales,
        arg_min(revenue, day) FILTER (WHERE NOT is_return) AS first_day_sales,
        SUM(revenue) AS revenue,
        -SUM(revenue) FILTER (WHERE is_return) AS returns_value,
        SUM(lines) FILTER (WHERE is_return) AS return_lines,
        SUM(lines) FILTER (WHERE NOT is_return) AS order_lines,
        SUM(gross_margin) AS gross_margin,
        SUM(orders) AS orders,
        SUM(products) AS products
    FROM days
    GROUP BY account_key
)
SELECT
    account_key,
    a.purchase_days - 1 AS frequency,
    date_diff('day', a.first_purchase, a.last_purchase) / $unit_days AS recency,
    date_diff('day', a.first_purchase, $until) / $unit_days AS T,
    CASE WHEN a.purchase_days > 1
         THEN (a.sales - a.first_day_sales) / (a.purchase_days - 1) ELSE 0 END AS monetary_value,
    CAST({orders} AS BIGINT) AS orders,
    a.order_lines,
    CAST(a.products AS BIGINT) AS products,
    a.revenue,
    COALESCE(a.returns_value, 0) AS returns_value,
    COALESCE(a.return_lines, 0) AS return_lines,
    a.gross_margin,
    a.first_purchase,
    a.last_purchase
FROM accounts a
WHERE a.purchase_days > 0
