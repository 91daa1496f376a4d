namespace SsdLite.Torch.Optim;

/// <summary>
/// A learning-rate schedule as a closed-form factor of the step count, applied to every group's initial rate.
/// Its only state is <see cref="last_epoch"/>, so saving and restoring it resumes the schedule exactly.
/// </summary>
public abstract class LRScheduler
{
    // Subclasses call load_state(0) once their fields are set, which applies the step-0 rate.
    protected LRScheduler(Optimizer optimizer) => Optimizer = optimizer;

    public Optimizer Optimizer { get; }

    /// <summary>Steps taken so far (PyTorch's name; epochs or iterations, as the caller steps it).</summary>
    public int last_epoch { get; private set; }

    /// <summary>The factor on the initial learning rate after <paramref name="step"/> steps.</summary>
    public abstract double Factor(int step);

    public void step()
    {
        last_epoch++;
        Apply();
    }

    public IReadOnlyList<double> get_last_lr() => Optimizer.Groups.Select(g => g.LearningRate!.Value).ToList();

    public void load_state(int lastEpoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lastEpoch);
        last_epoch = lastEpoch;
        Apply();
    }

    private void Apply()
    {
        var f = Factor(last_epoch);
        foreach (var g in Optimizer.Groups) g.LearningRate = g.InitialLearningRate * f;
    }
}

/// <summary>Multiplies the rate by gamma at each milestone (torch.optim.lr_scheduler.MultiStepLR).</summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly int[] milestones;
    private readonly double gamma;

    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        this.milestones = milestones.Order().ToArray();
        this.gamma = gamma;
        load_state(0);
    }

    public override double Factor(int step)
    {
        var passed = milestones.Count(m => m <= step);
        return Math.Pow(gamma, passed);
    }
}

/// <summary>eta_min + (base − eta_min)(1 + cos(π t / T_max)) / 2 (the closed form of CosineAnnealingLR).</summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly int tMax;
    private readonly double etaMinFactor;

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tMax, 1);
        this.tMax = tMax;
        etaMinFactor = optimizer.Groups[0].InitialLearningRate > 0 ? etaMin / optimizer.Groups[0].InitialLearningRate : 0;
        load_state(0);
    }

    public override double Factor(int step)
    {
        var t = Math.Min(step, tMax);
        return etaMinFactor + (1 - etaMinFactor) * (1 + Math.Cos(Math.PI * t / tMax)) / 2;
    }
}

/// <summary>Linear warm-up from startFactor to 1 over warmupSteps, then the wrapped schedule shifted by warmupSteps.</summary>
public sealed class WarmupLR : LRScheduler
{
    private readonly Func<int, double> after;
    private readonly int warmupSteps;
    private readonly double startFactor;

    public WarmupLR(Optimizer optimizer, int warmupSteps, double startFactor, Func<int, double>? after = null) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        this.warmupSteps = warmupSteps;
        this.startFactor = startFactor;
        this.after = after ?? (_ => 1);
        load_state(0);
    }

    public override double Factor(int step)
    {
        if (step < warmupSteps) return startFactor + (1 - startFactor) * step / warmupSteps;
        return after(step - warmupSteps);
    }
}
