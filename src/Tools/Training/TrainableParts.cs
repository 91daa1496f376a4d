using System.Globalization;
using SsdLite.Detection.Models;
using TorchSharp.Modules;

namespace SsdLite.Tools.Training;

/// <summary>One part of the detector that a run trains, at its own learning rate (an optimizer parameter group).</summary>
/// <param name="Name">base_net, extras or heads.</param>
/// <param name="Parameters">The part's parameters, in the model's order.</param>
/// <param name="Lr">The part's initial learning rate; the schedule scales it.</param>
public sealed record PartGroup(string Name, IReadOnlyList<Parameter> Parameters, double Lr);

/// <summary>
/// Which parts of the detector a run trains, and at which rates, split as the reference's train_ssd.py splits them:
/// base_net at <c>base_net_lr</c>, the extras at <c>extra_layers_lr</c> (the reference also puts its
/// source_layer_add_ons there; none of SsdLite's architectures has any) and the prediction heads at <c>lr</c>.
/// <c>freeze_base_net</c> leaves out the first group, <c>freeze_net</c> the first two. A frozen part's parameters
/// do not require gradients, so backward stops before it and the optimizer holds no state or weight decay for them.
/// </summary>
public sealed class TrainableParts
{
    private readonly List<(string Name, nn.Module Module)> frozen;

    private TrainableParts(List<PartGroup> groups, List<(string, nn.Module)> frozen, bool holdBatchNorm)
    {
        Groups = groups;
        this.frozen = frozen;
        HoldsBatchNorm = holdBatchNorm;
    }

    /// <summary>The trained parts, in the model's order (so optimizer state indices are the model's parameter order).</summary>
    public IReadOnlyList<PartGroup> Groups { get; }

    /// <summary>The names of the frozen parts.</summary>
    public IReadOnlyList<string> Frozen => frozen.Select(f => f.Name).ToList();

    /// <summary>Whether the frozen parts' BatchNorm layers are kept in eval mode (<c>freeze_bn</c>).</summary>
    public bool HoldsBatchNorm { get; }

    /// <summary>Freezes what <paramref name="options"/> asks to freeze and groups the rest by part.</summary>
    public static TrainableParts Apply(SsdLiteModel model, TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var parts = new List<(string Name, nn.Module[] Modules, double Lr, bool Frozen)>
        {
            ("base_net", [model.BaseNet], options.BaseNetLr ?? options.Lr, options.FreezeBaseNet || options.FreezeNet),
            ("extras", [model.ExtraBlocks], options.ExtraLayersLr ?? options.Lr, options.FreezeNet),
            ("heads", [model.ClassificationHeaders, model.RegressionHeaders], options.Lr, false),
        };
        var groups = new List<PartGroup>();
        var frozen = new List<(string, nn.Module)>();
        foreach (var (name, modules, lr, isFrozen) in parts)
        {
            var parameters = modules.SelectMany(m => m.parameters()).ToList();
            foreach (var p in parameters) p.requires_grad = !isFrozen;
            if (isFrozen) frozen.AddRange(modules.Select(m => (name, m)));
            else groups.Add(new PartGroup(name, parameters, lr));
        }
        return new TrainableParts(groups, frozen, options.FreezeBn);
    }

    /// <summary>
    /// Puts the frozen parts' BatchNorm layers back in eval mode after <c>model.train()</c> (when <c>freeze_bn</c>),
    /// so that their running statistics do not drift with the new data.
    /// </summary>
    public void HoldFrozenBatchNorm()
    {
        if (!HoldsBatchNorm) return;
        foreach (var (_, module) in frozen)
        {
            foreach (var (_, child) in module.named_modules())
            {
                if (child is BatchNorm bn) bn.eval();
            }
        }
    }

    /// <summary>The run's optimizer (SGD or AdamW) with one parameter group per trained part.</summary>
    public OptimizerHelper CreateOptimizer(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var first = Groups[0];
        OptimizerHelper optimizer = options.Optimizer switch
        {
            OptimizerKind.Adamw => new HeldScalarAdamW(first.Parameters, first.Lr, options.Momentum, options.Beta2, weightDecay: options.WeightDecay),
            _ => new HeldScalarSgd(first.Parameters, first.Lr, options.Momentum, weightDecay: options.WeightDecay),
        };
        // The rest take every setting but the rate from the optimizer's defaults, as PyTorch's groups do.
        foreach (var group in Groups.Skip(1))
        {
            ParamGroup added = options.Optimizer == OptimizerKind.Adamw
                ? new AdamW.ParamGroup(group.Parameters, new AdamW.Options { LearningRate = group.Lr })
                : new SGD.ParamGroup(group.Parameters, new SGD.Options { LearningRate = group.Lr });
            optimizer.add_param_group(added);
        }
        return optimizer;
    }

    /// <summary>
    /// The groups as one line ("base_net 2223872, extras 386848, heads 170460": names and parameter counts), recorded
    /// in checkpoints so that a resumed run can tell its optimizer state belongs to the same groups. The rates are
    /// left out: a resumed run may change them.
    /// </summary>
    public string Signature() => string.Join(", ", Groups.Select(g =>
        string.Create(CultureInfo.InvariantCulture, $"{g.Name} {g.Parameters.Sum(p => p.numel())}")));

    /// <summary>A line for the start of the run: what trains at which rate, and what is frozen.</summary>
    public string Describe()
    {
        var trained = string.Join(", ", Groups.Select(g => string.Create(CultureInfo.InvariantCulture,
            $"{g.Name} (lr {g.Lr:G4}, {g.Parameters.Sum(p => p.numel()):N0} parameters)")));
        if (frozen.Count == 0) return $"training {trained}";
        var names = string.Join(", ", Frozen.Distinct());
        var bn = HoldsBatchNorm ? "its BatchNorm statistics held (freeze_bn)" : "its BatchNorm statistics still updating (freeze_bn: false)";
        return $"training {trained}; frozen: {names}, {bn}";
    }
}
