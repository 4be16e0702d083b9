#!/usr/bin/env python3
"""test/tpch/make_gen_checks.py — writes the sqllogictest files that check the
TPC-H generator (CALL tpch_generate) against /work/shared/tpch/GENERATION.md.

Every expected value comes from the specification, not from the generator's
output: exact checks (E in GENERATION.md §8.3) use the formulas and counts of
§2, §5 and §6; statistical checks (≈) compare a measured share or mean with its
theoretical value within about four standard deviations.  Each query returns
booleans (or exact integers), so a failing record names the check that broke.

  python3 test/tpch/make_gen_checks.py        # rewrites test/sql/tpch/generate_sf*.test*
"""
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "sql", "tpch")


def counts(sf):
    if sf < 1:
        k = round(sf * 1000)
        f = lambda base: max(1, base * k // 1000)
    else:
        f = lambda base: base * int(sf)
    S, C, P = f(10000), f(150000), f(200000)
    return S, C, P, 10 * C


def share(col_expr, p, n, k=4.5, extra=1.0):
    """a boolean: the share of rows matching col_expr lies within k sd of p"""
    sd = math.sqrt(p * (1 - p) / n) * extra
    lo, hi = max(0.0, p - k * sd), p + k * sd
    return f"avg(CASE WHEN {col_expr} THEN 1.0 ELSE 0.0 END) BETWEEN {lo:.6f} AND {hi:.6f}"


def tail_slack(n, k):
    """how far from the end of a range of k equally likely values the sample
    extreme of n draws may fall, at miss probability 1e-6"""
    return math.ceil(k * 13.82 / n)


def retail(k):
    return 90000 + (k // 10) % 20001 + 100 * (k % 1000)


def build(sf, slow=False):
    S, C, P, O = counts(sf)
    L = 4 * O
    rec = []

    def q(comment, sql, types, expected):
        rec.append(f"# {comment}\nquery {types}\n{sql}\n----\n{expected}\n")

    def qb(comment, sql, n):
        q(comment, sql, "T" * n, "\t".join(["true"] * n))

    prices = [retail(k) for k in range(1, P + 1)]
    pmin, pmax = min(prices) / 100, max(prices) / 100
    pavg = sum(prices) / len(prices) / 100
    # lines straddle orders: shares of line-level events get a design effect
    de = 2.0
    qb("§2 row counts (exact) and lineitem within 4 sd (2*sqrt(O) each)",
       f"SELECT (SELECT count(*) FROM region) = 5, (SELECT count(*) FROM nation) = 25, "
       f"(SELECT count(*) FROM supplier) = {S}, (SELECT count(*) FROM customer) = {C}, "
       f"(SELECT count(*) FROM part) = {P}, (SELECT count(*) FROM partsupp) = {4 * P}, "
       f"(SELECT count(*) FROM orders) = {O}, "
       f"(SELECT count(*) FROM lineitem) BETWEEN {L - int(8 * math.sqrt(O))} AND {L + int(8 * math.sqrt(O))}", 8)
    q("check 1: key ranges and uniqueness",
      "SELECT min(s_suppkey), max(s_suppkey), count(DISTINCT s_suppkey) FROM supplier "
      "UNION ALL SELECT min(c_custkey), max(c_custkey), count(DISTINCT c_custkey) FROM customer "
      "UNION ALL SELECT min(p_partkey), max(p_partkey), count(DISTINCT p_partkey) FROM part",
      "III", f"1\t{S}\t{S}\n1\t{C}\t{C}\n1\t{P}\t{P}")
    q("check 2 / invariant 2: the sparse order keys",
      "SELECT min(o_orderkey), max(o_orderkey), count(DISTINCT o_orderkey), "
      "sum(CASE WHEN o_orderkey % 32 >= 8 THEN 1 ELSE 0 END) FROM orders",
      "IIII", f"1\t{4 * O}\t{O}\t0")
    cmax = C - 1 if C % 3 == 0 else C
    qb("check 3: o_custkey in range, never a multiple of 3",
       f"SELECT min(o_custkey) >= 1, max(o_custkey) BETWEEN {cmax - 3} AND {cmax}, "
       "sum(CASE WHEN o_custkey % 3 = 0 THEN 1 ELSE 0 END) = 0 FROM orders", 3)
    q("check 4: l_partkey, l_suppkey, ps_suppkey ranges",
      "SELECT min(l_partkey), max(l_partkey), min(l_suppkey), max(l_suppkey) FROM lineitem "
      "UNION ALL SELECT min(ps_partkey), max(ps_partkey), min(ps_suppkey), max(ps_suppkey) FROM partsupp",
      "IIII", f"1\t{P}\t1\t{S}\n1\t{P}\t1\t{S}")
    qb("check 5: lines per order 1..7, numbered without gaps, mean 4",
       "SELECT min(n) = 1, max(n) = 7, bool_and(n = mx AND n = nd), "
       f"abs(avg(n) - 4) < {4.5 * 2 / math.sqrt(O):.5f} "
       "FROM (SELECT l_orderkey, count(*) AS n, max(l_linenumber) AS mx, count(DISTINCT l_linenumber) AS nd "
       "FROM lineitem GROUP BY l_orderkey) x", 4)
    qb("invariant 2: every order has lines and every line an order",
       "SELECT (SELECT count(DISTINCT l_orderkey) FROM lineitem) = (SELECT count(*) FROM orders), "
       "NOT EXISTS (SELECT 1 FROM lineitem WHERE l_orderkey NOT IN (SELECT o_orderkey FROM orders))", 2)
    q("check 6: order dates", "SELECT min(o_orderdate), max(o_orderdate) FROM orders", "TT",
      "1992-01-01\t1998-08-02")
    # sample extremes: within a few days of the bounds at these scales
    slack = 12 if sf < 0.05 else 6
    qb("checks 7-9: ship, commit and receipt dates inside their bounds, extremes near them",
       "SELECT min(l_shipdate) >= DATE '1992-01-02', max(l_shipdate) <= DATE '1998-12-01', "
       "min(l_commitdate) >= DATE '1992-01-31', max(l_commitdate) <= DATE '1998-10-31', "
       "min(l_receiptdate) >= DATE '1992-01-03', max(l_receiptdate) <= DATE '1998-12-31', "
       f"min(l_shipdate) <= DATE '1992-01-02' + {slack}, max(l_shipdate) >= DATE '1998-12-01' - {slack}, "
       f"min(l_receiptdate) <= DATE '1992-01-03' + {slack}, max(l_receiptdate) >= DATE '1998-12-31' - {2 * slack} "
       "FROM lineitem", 10)
    q("check 10: date offsets ship-order, commit-order, receipt-ship",
      "SELECT min(l_shipdate - o_orderdate), max(l_shipdate - o_orderdate), "
      "min(l_commitdate - o_orderdate), max(l_commitdate - o_orderdate), "
      "min(l_receiptdate - l_shipdate), max(l_receiptdate - l_shipdate) "
      "FROM lineitem JOIN orders ON l_orderkey = o_orderkey",
      "IIIIII", "1\t121\t30\t90\t1\t30")
    qb("check 11: p_retailprice by the formula: min, max, mean",
       f"SELECT min(p_retailprice) = {pmin:.2f}, max(p_retailprice) = {pmax:.2f}, "
       f"abs(avg(p_retailprice) - {pavg:.6f}) < 0.000001 FROM part", 3)
    nps = 4 * P
    sd_cost = 999.0 / math.sqrt(12) / math.sqrt(nps)
    qb("checks 12-13: ps_supplycost 1.00..1000.00 (mean 500.5), ps_availqty 1..9999",
       f"SELECT min(ps_supplycost) >= 1.00, max(ps_supplycost) <= 1000.00, "
       f"abs(avg(ps_supplycost) - 500.5) < {4.5 * sd_cost:.3f}, min(ps_availqty) >= 1, max(ps_availqty) <= 9999, "
       f"min(ps_supplycost) <= {1 + tail_slack(nps, 99901) / 100:.2f}, max(ps_supplycost) >= {1000 - tail_slack(nps, 99901) / 100:.2f} "
       "FROM partsupp", 7)
    sd_bal = 10999.99 / math.sqrt(12)
    qb("checks 14-15: account balances -999.99..9999.99, mean 4,500, 9.1 % negative",
       f"SELECT min(c_acctbal) >= -999.99, max(c_acctbal) <= 9999.99, "
       f"abs(avg(c_acctbal) - 4500) < {4.5 * sd_bal / math.sqrt(C):.1f}, "
       + share("c_acctbal < 0", 99999 / 1099999, C) + " FROM customer", 4)
    qb("check 15: supplier balances",
       f"SELECT min(s_acctbal) >= -999.99, max(s_acctbal) <= 9999.99, "
       f"abs(avg(s_acctbal) - 4500) < {4.5 * sd_bal / math.sqrt(S):.1f} FROM supplier", 3)
    # the reference means (GENERATION.md check 16) grow with SF through the prices
    ref_tp = {0.01: 141826.46, 0.1: 142377.31, 1: 151219.54}.get(sf)
    if ref_tp:
        # an order's total has a coefficient of variation of about 0.6 (lines x prices)
        tol = max(0.01, 4.5 * 0.6 / math.sqrt(O))
        qb(f"check 16: o_totalprice mean within {100 * tol:.1f} % of the reference",
           f"SELECT abs(avg(o_totalprice) / {ref_tp} - 1) < {tol:.4f}, min(o_totalprice) > 0 FROM orders", 2)
    qb("checks 17-18: extended price, quantity, discount and tax domains",
       f"SELECT min(l_extendedprice) >= {pmin:.2f}, max(l_extendedprice) <= {50 * pmax:.2f}, "
       "min(l_quantity) = 1, max(l_quantity) = 50, min(l_discount) = 0.00, max(l_discount) = 0.10, "
       "min(l_tax) = 0.00, max(l_tax) = 0.08 FROM lineitem", 8)
    q("checks 19-21: distinct values of the categorical columns",
      "SELECT (SELECT count(DISTINCT l_returnflag) FROM lineitem), (SELECT count(DISTINCT l_linestatus) FROM lineitem), "
      "(SELECT count(DISTINCT o_orderstatus) FROM orders), (SELECT count(DISTINCT c_mktsegment) FROM customer), "
      "(SELECT count(DISTINCT o_orderpriority) FROM orders), (SELECT count(DISTINCT l_shipmode) FROM lineitem), "
      "(SELECT count(DISTINCT l_shipinstruct) FROM lineitem), (SELECT count(DISTINCT p_mfgr) FROM part), "
      "(SELECT count(DISTINCT p_brand) FROM part), (SELECT count(DISTINCT p_type) FROM part), "
      "(SELECT count(DISTINCT p_container) FROM part), (SELECT count(DISTINCT p_size) FROM part), "
      "(SELECT count(DISTINCT o_clerk) FROM orders)",
      "IIIIIIIIIIIII", "3\t2\t3\t5\t5\t7\t4\t5\t25\t150\t40\t50\t1000")
    q("check 22: exactly the four Q1 groups",
      "SELECT l_returnflag, l_linestatus FROM lineitem GROUP BY 1, 2 ORDER BY 1, 2", "TT",
      "A\tF\nN\tF\nN\tO\nR\tF")
    qb("check 22: Q1 group shares (AF 24.6 %, NF 0.63 %, NO 50.1 %, RF 24.7 %)",
       "SELECT " + ", ".join([
           share("l_returnflag = 'A'", 0.2461, L, extra=de),
           share("l_returnflag = 'N' AND l_linestatus = 'F'", 0.0063, L, extra=de),
           share("l_linestatus = 'O'", 0.5007, L, extra=de),
           share("l_returnflag = 'R'", 0.2469, L, extra=de)]) + " FROM lineitem", 4)
    qb("check 23: o_orderstatus F / O / P (P about 2.6 %)",
       "SELECT " + ", ".join([share("o_orderstatus = 'P'", 0.0257, O), share("o_orderstatus = 'F'", 0.4866, O),
                              share("o_orderstatus = 'O'", 0.4877, O)]) + " FROM orders", 3)
    qb("check 24: market segments 20 % each",
       "SELECT " + ", ".join(share(f"c_mktsegment = '{m}'", 0.2, C) for m in
                             ["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"]) + " FROM customer", 5)
    qb("checks 25-26: a third of the customers have no orders; about 20 / 10 orders for key mod 3 = 1 / 2",
       f"SELECT sum(CASE WHEN n = 0 THEN 1 ELSE 0 END) BETWEEN {C // 3} AND {C // 3 + max(3, C // 500)}, "
       "bool_and(n = 0 OR c_custkey % 3 <> 0), "
       f"abs(avg(CASE WHEN c_custkey % 3 = 1 THEN n END) - 20) < {4.5 * math.sqrt(20 / (C / 3)):.3f}, "
       f"abs(avg(CASE WHEN c_custkey % 3 = 2 THEN n END) - 10) < {4.5 * math.sqrt(10 / (C / 3)):.3f} "
       "FROM (SELECT c_custkey, count(o_orderkey) AS n FROM customer LEFT JOIN orders ON o_custkey = c_custkey "
       "GROUP BY c_custkey) x", 4)
    lam = 0.000495 * S
    hi = int(lam + 4 * math.sqrt(lam) + 2)
    qb("checks 27-28: 'Customer' appears only in injected remarks (Complaints or Recommends), at the expected rate",
       f"SELECT sum(CASE WHEN s_comment LIKE '%Customer%Complaints%' THEN 1 ELSE 0 END) <= {hi}, "
       f"sum(CASE WHEN s_comment LIKE '%Customer%Recommends%' THEN 1 ELSE 0 END) <= {int(0.000495 * S + 4 * math.sqrt(lam) + 2)}, "
       "bool_and(s_comment NOT LIKE '%Customer%' OR s_comment LIKE '%Customer %Complaints%' OR s_comment LIKE '%Customer %Recommends%') "
       "FROM supplier", 3)
    if slow:
        qb("check 27 at SF >= 1: the injection happens (Poisson mean 0.000495 * S)",
           f"SELECT count(*) BETWEEN {max(1, int(lam - 4 * math.sqrt(lam)))} AND {hi} FROM supplier "
           "WHERE s_comment LIKE '%Customer%Complaints%'", 1)
    qb("check 29: Q13's '%special%requests%' in about 1.1 % of order comments",
       "SELECT " + share("o_comment LIKE '%special%requests%'", 0.0110, O, extra=1.3) + " FROM orders", 1)
    qb("checks 30-31: part name and type patterns",
       "SELECT " + ", ".join([
           share("p_name LIKE '%green%'", 5 / 92, P), share("p_name LIKE 'forest%'", 1 / 92, P),
           share("p_type LIKE 'PROMO%'", 1 / 6, P), share("p_size = 15 AND p_type LIKE '%BRASS'", 1 / 250, P),
           share("p_type = 'ECONOMY ANODIZED STEEL'", 1 / 150, P),
           share("p_brand = 'Brand#23' AND p_container = 'MED BOX'", 1 / 1000, P)]) + " FROM part", 6)
    qb("checks 32-34: commit < receipt 63.2 %, Q6 predicate 1.93 %, Q1 predicate 98.5 %",
       "SELECT " + ", ".join([
           share("l_commitdate < l_receiptdate", 0.632, L, extra=de),
           share("l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01' AND l_discount BETWEEN 0.05 AND 0.07 "
                 "AND l_quantity < 24", 0.0193, L, extra=de),
           share("l_shipdate <= DATE '1998-09-02'", 0.9855, L, extra=de)]) + " FROM lineitem", 3)
    qb("check 36: phone prefixes of Q22's seven nations, about 7/25 of customers",
       "SELECT " + share("substring(c_phone from 1 for 2) IN ('13', '31', '23', '29', '30', '18', '17')", 7 / 25, C)
       + " FROM customer", 1)
    lens = [("p_comment", "part", 5, 22, P), ("s_comment", "supplier", 25, 100, S), ("ps_comment", "partsupp", 49, 198, 4 * P),
            ("c_comment", "customer", 29, 116, C), ("o_comment", "orders", 19, 78, O), ("l_comment", "lineitem", 10, 43, L),
            ("c_address", "customer", 10, 40, C), ("s_address", "supplier", 10, 40, S)]
    parts = []
    for col, tab, lo, hi, n in lens:
        d = tail_slack(n, hi - lo + 1) - 1
        parts.append(f"(SELECT min(length({col})) BETWEEN {lo} AND {lo + d} AND max(length({col})) BETWEEN {hi - d} AND {hi} FROM {tab})")
    qb("check 37: comment and address lengths in their ranges p / s / ps / c / o / l; addresses, extremes reached",
       "SELECT " + ", ".join(parts), len(parts))
    qb("check 37: nation and region comments stay in range",
       "SELECT (SELECT min(length(n_comment)) >= 28 AND max(length(n_comment)) <= 115 FROM nation), "
       "(SELECT min(length(r_comment)) >= 28 AND max(length(r_comment)) <= 115 FROM region)", 2)
    q("check 38: partsupp rows per supplier",
      "SELECT min(n), max(n) FROM (SELECT ps_suppkey, count(*) AS n FROM partsupp GROUP BY ps_suppkey) x",
      "II", f"{4 * P // S}\t{4 * P // S}" if (4 * P) % S == 0 else "")
    q("check 39: rule violations (each 0): retail price, extended price, partsupp supplier formula, "
      "(part, supplier) unique, line -> partsupp, return flag, line status, brand/mfgr, phone prefixes, "
      "ship priority, zero-padded names",
      "SELECT "
      "(SELECT count(*) FROM part WHERE CAST(p_retailprice * 100 AS BIGINT) <> 90000 + (p_partkey / 10) % 20001 + 100 * (p_partkey % 1000)), "
      "(SELECT count(*) FROM lineitem WHERE CAST(l_extendedprice * 100 AS BIGINT) <> CAST(l_quantity AS BIGINT) * (90000 + (l_partkey / 10) % 20001 + 100 * (l_partkey % 1000))), "
      f"(SELECT count(*) FROM partsupp WHERE ps_suppkey NOT IN ((ps_partkey % {S}) + 1, ((ps_partkey + ({S} / 4 + (ps_partkey - 1) / {S})) % {S}) + 1, "
      f"((ps_partkey + 2 * ({S} / 4 + (ps_partkey - 1) / {S})) % {S}) + 1, ((ps_partkey + 3 * ({S} / 4 + (ps_partkey - 1) / {S})) % {S}) + 1)), "
      f"(SELECT {4 * P} - count(*) FROM (SELECT DISTINCT ps_partkey, ps_suppkey FROM partsupp) d), "
      "(SELECT count(*) FROM lineitem LEFT JOIN partsupp ON ps_partkey = l_partkey AND ps_suppkey = l_suppkey WHERE ps_partkey IS NULL), "
      "(SELECT count(*) FROM lineitem WHERE (l_returnflag IN ('R', 'A')) <> (l_receiptdate <= DATE '1995-06-17')), "
      "(SELECT count(*) FROM lineitem WHERE (l_linestatus = 'F') <> (l_shipdate <= DATE '1995-06-17')), "
      "(SELECT count(*) FROM part WHERE substring(p_brand from 7 for 1) <> substring(p_mfgr from 14 for 1)), "
      "(SELECT count(*) FROM customer WHERE CAST(substring(c_phone from 1 for 2) AS INTEGER) <> c_nationkey + 10), "
      "(SELECT count(*) FROM supplier WHERE CAST(substring(s_phone from 1 for 2) AS INTEGER) <> s_nationkey + 10), "
      "(SELECT count(*) FROM orders WHERE o_shippriority <> 0), "
      "(SELECT count(*) FROM supplier WHERE s_name <> 'Supplier#' || lpad(CAST(s_suppkey AS TEXT), 9, '0')), "
      "(SELECT count(*) FROM customer WHERE c_name <> 'Customer#' || lpad(CAST(c_custkey AS TEXT), 9, '0')), "
      "(SELECT count(*) FROM orders WHERE o_clerk NOT LIKE 'Clerk#_________' OR CAST(substring(o_clerk from 7) AS INTEGER) NOT BETWEEN 1 AND 1000)",
      "I" * 14, "\t".join(["0"] * 14))
    q("check 39: order status and total price recomputed from the lines (violations: 0, 0)",
      "SELECT sum(CASE WHEN o_orderstatus <> CASE WHEN nf = n THEN 'F' WHEN nf = 0 THEN 'O' ELSE 'P' END THEN 1 ELSE 0 END), "
      "sum(CASE WHEN CAST(o_totalprice * 100 AS BIGINT) <> t THEN 1 ELSE 0 END) FROM orders JOIN "
      "(SELECT l_orderkey, count(*) AS n, sum(CASE WHEN l_linestatus = 'F' THEN 1 ELSE 0 END) AS nf, "
      "sum((CAST(l_extendedprice * 100 AS BIGINT) * (100 - CAST(l_discount * 100 AS BIGINT)) / 100) * (100 + CAST(l_tax * 100 AS BIGINT)) / 100) AS t "
      "FROM lineitem GROUP BY l_orderkey) x ON l_orderkey = o_orderkey",
      "II", "0\t0")
    q("§5.2 nations and regions",
      "SELECT trim(r_name), count(*) FROM nation JOIN region ON n_regionkey = r_regionkey GROUP BY r_name ORDER BY r_name",
      "TI", "AFRICA\t5\nAMERICA\t5\nASIA\t5\nEUROPE\t5\nMIDDLE EAST\t5")
    q("§5.4 example: at SF 0.1 part 1 gets suppliers 2, 252, 502, 752 (formula)",
      "SELECT ps_suppkey FROM partsupp WHERE ps_partkey = 1 ORDER BY 1", "I",
      "\n".join(str(x) for x in sorted(((1 + j * (S // 4 + 0 // S)) % S) + 1 for j in range(4))))
    return rec


HEADER = """# Generated by test/tpch/make_gen_checks.py from /work/shared/tpch/GENERATION.md; edit that script, not this file.
# CALL tpch_generate({sf}) and the generator checks of GENERATION.md §6 and §8.3 at SF {sf}:
# exact checks against the spec's formulas and counts, statistical ones within about 4 standard deviations.
# The tables go to the columnar MEMORY tier (analytical data; the default tier is OLTP).

statement ok
SET default_table_access_method = memory

statement ok
CALL tpch_generate({sf})

"""


def main():
    os.makedirs(OUT, exist_ok=True)
    for sf, name, slow in [(0.01, "generate_sf001.test", False), (0.1, "generate_sf01.test", False),
                           (1, "generate_sf1.test_slow", True)]:
        with open(os.path.join(OUT, name), "w") as f:
            f.write(HEADER.format(sf=sf))
            f.write("\n".join(build(sf, slow)))


if __name__ == "__main__":
    main()
