namespace SsdLite.Tracking;

/// <summary>One row matched to one column by <see cref="LinearAssignment"/>.</summary>
/// <param name="Row">The row (a track).</param>
/// <param name="Column">The column (a detection).</param>
public readonly record struct AssignedPair(int Row, int Column);

/// <summary>
/// The result of <see cref="LinearAssignment.Solve(double[,], double)"/>: the matched pairs (by row) and the rows and
/// columns left unmatched (ascending).
/// </summary>
/// <param name="Matches">Matched pairs, ordered by row.</param>
/// <param name="UnmatchedRows">Rows without a column, ascending.</param>
/// <param name="UnmatchedColumns">Columns without a row, ascending.</param>
public sealed record AssignmentResult(IReadOnlyList<AssignedPair> Matches, IReadOnlyList<int> UnmatchedRows, IReadOnlyList<int> UnmatchedColumns);

/// <summary>
/// Minimum-cost assignment of rows to columns (the Hungarian algorithm, Kuhn 1955 / Munkres 1957, in its O(n³)
/// shortest-augmenting-path form with row and column potentials). Deterministic: ties go to the lower index.
/// </summary>
public static class LinearAssignment
{
    /// <summary>
    /// The assignment of a rectangular <paramref name="cost"/> matrix that matches min(rows, columns) pairs at the least
    /// total cost. Returns, for each row, its column or -1.
    /// </summary>
    public static int[] Minimize(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        var result = new int[rows];
        Array.Fill(result, -1);
        if (rows == 0 || cols == 0) return result;
        foreach (var c in cost)
        {
            if (!double.IsFinite(c)) throw new ArgumentException($"costs must be finite, got {c}", nameof(cost));
        }
        if (rows <= cols)
        {
            var colOf = Solve(rows, cols, (i, j) => cost[i, j]);
            for (var i = 0; i < rows; i++) result[i] = colOf[i];
        }
        else
        {
            // More rows than columns: solve the transpose, which the method below requires (rows <= columns).
            var rowOf = Solve(cols, rows, (i, j) => cost[j, i]);
            for (var j = 0; j < cols; j++) result[rowOf[j]] = j;
        }
        return result;
    }

    /// <summary>
    /// ByteTrack's <c>linear_assignment</c> (lapjv with <c>extend_cost</c> and <c>cost_limit</c>): the least-cost matching in
    /// which any row and column may also stay unmatched, leaving a row and a column unmatched costing
    /// <paramref name="costLimit"/> between them. A pair is therefore only matched where that lowers the total, so
    /// no matched pair costs more than <paramref name="costLimit"/>.
    /// </summary>
    public static AssignmentResult Solve(double[,] cost, double costLimit)
    {
        ArgumentNullException.ThrowIfNull(cost);
        if (!(costLimit > 0) || !double.IsFinite(costLimit)) throw new ArgumentOutOfRangeException(nameof(costLimit), costLimit, "must be positive and finite");
        int rows = cost.GetLength(0), cols = cost.GetLength(1);
        var matches = new List<AssignedPair>();
        if (rows > 0 && cols > 0)
        {
            // The extended square matrix of lapjv: [[C, L/2], [L/2, 0]] with one dummy column per row and one dummy row per
            // column. Pairs dearer than the limit can never be chosen (they would cost more than two dummies).
            var n = rows + cols;
            var half = costLimit / 2;
            var extended = new double[n, n];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    extended[i, j] = i < rows && j < cols ? Math.Min(cost[i, j], costLimit + 1) : i < rows || j < cols ? half : 0;
                }
            }
            var assigned = Minimize(extended);
            for (var i = 0; i < rows; i++)
            {
                if (assigned[i] < cols && cost[i, assigned[i]] <= costLimit) matches.Add(new AssignedPair(i, assigned[i]));
            }
        }
        var usedRows = matches.Select(m => m.Row).ToHashSet();
        var usedCols = matches.Select(m => m.Column).ToHashSet();
        return new AssignmentResult(matches,
            Enumerable.Range(0, rows).Where(i => !usedRows.Contains(i)).ToList(),
            Enumerable.Range(0, cols).Where(j => !usedCols.Contains(j)).ToList());
    }

    /// <summary>The Hungarian method for n &lt;= m: returns for each of the n rows its column.</summary>
    private static int[] Solve(int n, int m, Func<int, int, double> a)
    {
        // 1-based potentials u (rows) and v (columns); p[j] is the row matched to column j (0: none); way[j] the column
        // before j on the current augmenting path.
        var u = new double[n + 1];
        var v = new double[m + 1];
        var p = new int[m + 1];
        var way = new int[m + 1];
        var minv = new double[m + 1];
        var used = new bool[m + 1];
        for (var i = 1; i <= n; i++)
        {
            p[0] = i;
            var j0 = 0;
            Array.Fill(minv, double.PositiveInfinity);
            Array.Clear(used);
            do
            {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                var delta = double.PositiveInfinity;
                for (var j = 1; j <= m; j++)
                {
                    if (used[j]) continue;
                    var cur = a(i0 - 1, j - 1) - u[i0] - v[j];
                    if (cur < minv[j])
                    {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta)
                    {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (var j = 0; j <= m; j++)
                {
                    if (used[j])
                    {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    }
                    else
                    {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            }
            while (p[j0] != 0);
            do
            {
                var j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            }
            while (j0 != 0);
        }
        var colOf = new int[n];
        for (var j = 1; j <= m; j++)
        {
            if (p[j] != 0) colOf[p[j] - 1] = j - 1;
        }
        return colOf;
    }
}
