using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SsdLite.Tools.Training;

/// <summary>
/// TorchSharp's SGD and AdamW state as named tensors for the run's checkpoint: "momentum.K" (SGD), "exp_avg.K",
/// "exp_avg_sq.K" and "step" (AdamW), K the parameter's position. These are the names SsdLite's checkpoints have
/// always used, so runs saved before the move to TorchSharp resume too. TorchSharp's own optimizer files hold
/// the state in a format of their own; the run's checkpoint keeps everything in one atomic file.
/// </summary>
public static class OptimizerState
{
    public static List<KeyValuePair<string, Tensor>> Save(OptimizerHelper optimizer)
    {
        var result = new List<KeyValuePair<string, Tensor>>();
        var states = optimizer.state_dict().State;
        for (var k = 0; k < states.Count; k++)
        {
            switch (states[k])
            {
                case SGD.State { momentum_buffer: { } buffer }:
                    result.Add(new($"momentum.{k}", buffer));
                    break;
                case AdamW.State adam:
                    result.Add(new($"exp_avg.{k}", adam.exp_avg));
                    result.Add(new($"exp_avg_sq.{k}", adam.exp_avg_sq));
                    break;
            }
        }
        // AdamW counts steps per parameter; they move together, so one scalar records them (as before).
        if (states.OfType<AdamW.State>().FirstOrDefault() is { } first)
        {
            result.Add(new("step", tensor(new[] { (double)first.step }).DetachFromDisposeScope()));
        }
        return result;
    }

    /// <summary>Restores state written by <see cref="Save"/>, copied to each parameter's device and dtype.</summary>
    public static void Load(OptimizerHelper optimizer, IEnumerable<KeyValuePair<string, Tensor>> saved)
    {
        var states = optimizer.state_dict().State;
        var parameters = optimizer.parameters().ToList();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (key, value) in saved)
        {
            if (key == "step" && value.numel() == 1)
            {
                var step = (long)value.to(ScalarType.Float64).item<double>();
                foreach (var adam in states.OfType<AdamW.State>()) adam.step = step;
                continue;
            }
            var dot = key.LastIndexOf('.');
            if (dot < 0 || !int.TryParse(key.AsSpan(dot + 1), out var k) || k < 0 || k >= states.Count)
                throw new ArgumentException($"optimizer state has an unknown entry '{key}'", nameof(saved));
            var p = parameters[k];
            if (!p.shape.SequenceEqual(value.shape))
                throw new ArgumentException($"optimizer state '{key}' has shape [{string.Join(", ", value.shape)}], parameter has [{string.Join(", ", p.shape)}]", nameof(saved));
            var copy = value.to(p.dtype, p.device).clone().DetachFromDisposeScope();
            switch (key[..dot], states[k])
            {
                case ("momentum", SGD.State sgd):
                    sgd.momentum_buffer?.Dispose();
                    sgd.momentum_buffer = copy;
                    break;
                case ("exp_avg", AdamW.State adam):
                    adam.exp_avg.Dispose();
                    adam.exp_avg = copy;
                    break;
                case ("exp_avg_sq", AdamW.State adam):
                    adam.exp_avg_sq.Dispose();
                    adam.exp_avg_sq = copy;
                    break;
                default:
                    copy.Dispose();
                    throw new ArgumentException($"optimizer state has an entry '{key}' that this optimizer does not keep", nameof(saved));
            }
        }
    }
}
