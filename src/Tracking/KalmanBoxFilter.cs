namespace SsdLite.Tracking;

/// <summary>
/// A track's state in <see cref="KalmanBoxFilter"/>: the mean (x, y, a, h, vx, vy, va, vh) with (x, y) the box centre, a
/// its aspect ratio width / height and h its height, and the 8x8 covariance (row-major).
/// </summary>
/// <param name="Mean">Eight values: centre x, centre y, aspect, height, and their velocities per frame.</param>
/// <param name="Covariance">64 values, row-major.</param>
public sealed record KalmanState(double[] Mean, double[] Covariance)
{
    /// <summary>The box the state's mean stands for, as corners (xmin, ymin, xmax, ymax).</summary>
    public (double XMin, double YMin, double XMax, double YMax) Box
    {
        get
        {
            var w = Mean[2] * Mean[3];
            return (Mean[0] - (w / 2), Mean[1] - (Mean[3] / 2), Mean[0] + (w / 2), Mean[1] + (Mean[3] / 2));
        }
    }
}

/// <summary>
/// The constant-velocity Kalman filter of SORT, DeepSORT and ByteTrack over a box's centre, aspect ratio and height: an
/// 8-dimensional state (x, y, a, h and their velocities), a step of one frame, and noise proportional to the box height
/// (standard deviations of 1/20 of the height for positions and 1/160 for velocities, ByteTrack's weights; 1e-2 for the
/// aspect and 1e-5 for its velocity; measurement noise 1/20 of the height and 1e-1 for the aspect).
/// </summary>
public static class KalmanBoxFilter
{
    /// <summary>Position noise weight, relative to the box height.</summary>
    public const double PositionWeight = 1.0 / 20;

    /// <summary>Velocity noise weight, relative to the box height.</summary>
    public const double VelocityWeight = 1.0 / 160;

    private const int N = 8;
    private const int M = 4;

    /// <summary>The measurement (centre x, centre y, width / height, height) of a corner box.</summary>
    public static double[] Measure(double xMin, double yMin, double xMax, double yMax)
    {
        var w = xMax - xMin;
        var h = yMax - yMin;
        return [xMin + (w / 2), yMin + (h / 2), h > 0 ? w / h : 0, h];
    }

    /// <summary>A new track's state from its first measurement: zero velocity, uncertainty scaled by the height.</summary>
    public static KalmanState Initiate(ReadOnlySpan<double> measurement)
    {
        if (measurement.Length != M) throw new ArgumentException($"a measurement has 4 values (x, y, a, h), got {measurement.Length}", nameof(measurement));
        var mean = new double[N];
        measurement.CopyTo(mean);
        var h = measurement[3];
        double[] std =
        [
            2 * PositionWeight * h, 2 * PositionWeight * h, 1e-2, 2 * PositionWeight * h,
            10 * VelocityWeight * h, 10 * VelocityWeight * h, 1e-5, 10 * VelocityWeight * h,
        ];
        var cov = new double[N * N];
        for (var i = 0; i < N; i++) cov[(i * N) + i] = std[i] * std[i];
        return new KalmanState(mean, cov);
    }

    /// <summary>The state one frame later: x += vx (and so on), P = F P Fᵀ + Q.</summary>
    public static KalmanState Predict(KalmanState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var h = state.Mean[3];
        double[] std =
        [
            PositionWeight * h, PositionWeight * h, 1e-2, PositionWeight * h,
            VelocityWeight * h, VelocityWeight * h, 1e-5, VelocityWeight * h,
        ];
        var mean = new double[N];
        for (var i = 0; i < M; i++)
        {
            mean[i] = state.Mean[i] + state.Mean[i + M];
            mean[i + M] = state.Mean[i + M];
        }
        // F P Fᵀ with F = [[I, I], [0, I]]: (F P)[i, j] = P[i, j] + P[i + 4, j] for position rows i < 4.
        var p = state.Covariance;
        var fp = new double[N * N];
        for (var i = 0; i < N; i++)
        {
            for (var j = 0; j < N; j++) fp[(i * N) + j] = p[(i * N) + j] + (i < M ? p[((i + M) * N) + j] : 0);
        }
        var cov = new double[N * N];
        for (var i = 0; i < N; i++)
        {
            for (var j = 0; j < N; j++) cov[(i * N) + j] = fp[(i * N) + j] + (j < M ? fp[(i * N) + j + M] : 0);
            cov[(i * N) + i] += std[i] * std[i];
        }
        return new KalmanState(mean, cov);
    }

    /// <summary>
    /// The state corrected by a measurement: S = H P Hᵀ + R, K = P Hᵀ S⁻¹, mean += K (z − H mean), P −= K S Kᵀ, with H
    /// taking the first four state values.
    /// </summary>
    public static KalmanState Update(KalmanState state, ReadOnlySpan<double> measurement)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (measurement.Length != M) throw new ArgumentException($"a measurement has 4 values (x, y, a, h), got {measurement.Length}", nameof(measurement));
        var p = state.Covariance;
        var h = state.Mean[3];
        double[] r = [PositionWeight * h, PositionWeight * h, 1e-1, PositionWeight * h];
        // S = the top-left 4x4 block of P plus R.
        var s = new double[M * M];
        for (var i = 0; i < M; i++)
        {
            for (var j = 0; j < M; j++) s[(i * M) + j] = p[(i * N) + j];
            s[(i * M) + i] += r[i] * r[i];
        }
        var sInv = Invert4(s);
        // P Hᵀ is the first four columns of P (8x4); K = P Hᵀ S⁻¹.
        var k = new double[N * M];
        for (var i = 0; i < N; i++)
        {
            for (var j = 0; j < M; j++)
            {
                double sum = 0;
                for (var t = 0; t < M; t++) sum += p[(i * N) + t] * sInv[(t * M) + j];
                k[(i * M) + j] = sum;
            }
        }
        var innovation = new double[M];
        for (var j = 0; j < M; j++) innovation[j] = measurement[j] - state.Mean[j];
        var mean = new double[N];
        for (var i = 0; i < N; i++)
        {
            double sum = 0;
            for (var j = 0; j < M; j++) sum += k[(i * M) + j] * innovation[j];
            mean[i] = state.Mean[i] + sum;
        }
        // K S Kᵀ = K (P Hᵀ)ᵀ = K times the first four rows of P.
        var cov = new double[N * N];
        for (var i = 0; i < N; i++)
        {
            for (var j = 0; j < N; j++)
            {
                double sum = 0;
                for (var t = 0; t < M; t++) sum += k[(i * M) + t] * p[(t * N) + j];
                cov[(i * N) + j] = p[(i * N) + j] - sum;
            }
        }
        return new KalmanState(mean, cov);
    }

    /// <summary>The inverse of a symmetric positive-definite 4x4 matrix, by Gauss-Jordan elimination with partial pivoting.</summary>
    private static double[] Invert4(double[] a)
    {
        var w = new double[M * 2 * M];
        for (var i = 0; i < M; i++)
        {
            for (var j = 0; j < M; j++) w[(i * 2 * M) + j] = a[(i * M) + j];
            w[(i * 2 * M) + M + i] = 1;
        }
        for (var c = 0; c < M; c++)
        {
            var pivot = c;
            for (var i = c + 1; i < M; i++)
            {
                if (Math.Abs(w[(i * 2 * M) + c]) > Math.Abs(w[(pivot * 2 * M) + c])) pivot = i;
            }
            if (w[(pivot * 2 * M) + c] == 0) throw new InvalidOperationException("the innovation covariance is singular");
            if (pivot != c)
            {
                for (var j = 0; j < 2 * M; j++) (w[(c * 2 * M) + j], w[(pivot * 2 * M) + j]) = (w[(pivot * 2 * M) + j], w[(c * 2 * M) + j]);
            }
            var d = w[(c * 2 * M) + c];
            for (var j = 0; j < 2 * M; j++) w[(c * 2 * M) + j] /= d;
            for (var i = 0; i < M; i++)
            {
                if (i == c) continue;
                var f = w[(i * 2 * M) + c];
                if (f == 0) continue;
                for (var j = 0; j < 2 * M; j++) w[(i * 2 * M) + j] -= f * w[(c * 2 * M) + j];
            }
        }
        var inv = new double[M * M];
        for (var i = 0; i < M; i++)
        {
            for (var j = 0; j < M; j++) inv[(i * M) + j] = w[(i * 2 * M) + M + j];
        }
        return inv;
    }
}
