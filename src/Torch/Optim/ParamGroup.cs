namespace SsdLite.Torch.Optim;

/// <summary>Parameters sharing hyper-parameters; unset values fall back to the optimizer's defaults.</summary>
public sealed class ParamGroup
{
    public ParamGroup(IEnumerable<Tensor> parameters, double? lr = null, double? weightDecay = null)
    {
        Parameters = parameters.ToList();
        LearningRate = lr;
        WeightDecay = weightDecay;
    }

    public IReadOnlyList<Tensor> Parameters { get; }

    /// <summary>The current learning rate (schedulers write it).</summary>
    public double? LearningRate { get; set; }

    /// <summary>The learning rate the group started with; schedulers scale from it.</summary>
    public double InitialLearningRate { get; internal set; }

    public double? WeightDecay { get; }
}
