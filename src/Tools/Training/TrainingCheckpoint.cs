using System.Globalization;
using SsdLite.Core;
using SsdLite.Detection;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Training;

/// <summary>Where a run stands: completed epochs, steps into the next one, global step, best validation mAP.</summary>
public sealed record TrainingPosition(int Epoch, int EpochStep, long Step, double? BestMap);

/// <summary>
/// The run's checkpoint: tensors "model.*" (state dict) and "optim.*" (momentum buffers), metadata with the model
/// config, position, seed, labels and the run's options, so <c>--resume</c> continues exactly. The schedule is a
/// closed form of the step count, recorded as <c>scheduler_last_epoch</c> as before.
/// </summary>
public static class TrainingCheckpoint
{
    public const string OptimPrefix = "optim.";

    /// <summary>The metadata key of the optimizer's parameter groups (<see cref="TrainableParts.Signature"/>).</summary>
    public const string ParameterGroupsKey = "param_groups";

    public static void Save(string path, SsdLiteModel model, OptimizerHelper optimizer, TrainingPosition position, TrainOptions options,
        string? parameterGroups = null)
    {
        var tensors = model.state_dict().Select(kv => new KeyValuePair<string, Tensor>(ModelWeights.ModelPrefix + kv.Key, kv.Value))
            .Concat(OptimizerState.Save(optimizer).Select(kv => new KeyValuePair<string, Tensor>(OptimPrefix + kv.Key, kv.Value)));
        var metadata = new Dictionary<string, string>
        {
            [ModelWeights.ConfigKey] = model.Config.ToJson(),
            ["epoch"] = Text(position.Epoch),
            ["epoch_step"] = Text(position.EpochStep),
            ["step"] = Text(position.Step),
            ["scheduler_last_epoch"] = Text(position.Step),
            ["seed"] = Text(options.Seed),
            ["labels"] = string.Join(",", model.Config.ClassNames),
            ["train_options"] = options.ToYaml(),
        };
        if (parameterGroups is not null) metadata[ParameterGroupsKey] = parameterGroups;
        if (position.BestMap is { } best) metadata["best_map"] = best.ToString("R", CultureInfo.InvariantCulture);
        Checkpoint.Save(path, tensors, metadata);
    }

    /// <summary>The options a checkpoint's run was started with (the base for <c>--resume</c>).</summary>
    public static TrainOptions ReadOptions(string path)
    {
        using var data = Checkpoint.Load(path);
        if (!data.Metadata.TryGetValue("train_options", out var yaml))
            throw new ConfigException($"{path}: not a training checkpoint (no train_options); use it with --pretrained instead");
        var options = new TrainOptions();
        options.ApplyYaml(yaml, $"{path} (train_options)");
        return options;
    }

    /// <summary>Restores model and optimizer; returns the position to continue from (the schedule follows its step).</summary>
    public static TrainingPosition Restore(string path, SsdLiteModel model, OptimizerHelper optimizer, string? parameterGroups = null)
    {
        using var data = Checkpoint.Load(path);
        // Optimizer state is stored by parameter position, so other groups (a freeze flag or a rate changed) would
        // hand one parameter's momentum to another; checkpoints from before the groups were recorded have one group.
        if (parameterGroups is not null && data.Metadata.TryGetValue(ParameterGroupsKey, out var saved) && saved != parameterGroups)
        {
            throw new ConfigException($"{path}: the checkpoint's optimizer has the parameter groups [{saved}], this run [{parameterGroups}]; " +
                "resume with the run's own freeze_base_net and freeze_net, or start a new run from it with --pretrained");
        }
        model.load_state_dict(data.WithPrefix(ModelWeights.ModelPrefix));
        OptimizerState.Load(optimizer, data.WithPrefix(OptimPrefix));
        double? best = data.Metadata.TryGetValue("best_map", out var b) ? double.Parse(b, CultureInfo.InvariantCulture) : null;
        return new TrainingPosition(Int(data.Metadata, "epoch", path), Int(data.Metadata, "epoch_step", path),
            Int(data.Metadata, "step", path), best);
    }

    /// <summary>The model config a checkpoint carries.</summary>
    public static SsdLiteConfig ReadConfig(string path)
    {
        using var data = Checkpoint.Load(path);
        return data.Metadata.TryGetValue(ModelWeights.ConfigKey, out var json)
            ? SsdLiteConfig.FromJson(json)
            : throw new InvalidDataException($"{path}: checkpoint has no model config");
    }

    private static int Int(IReadOnlyDictionary<string, string> metadata, string key, string path) =>
        metadata.TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new InvalidDataException($"{path}: checkpoint metadata lacks a valid '{key}'");

    private static string Text(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Text(ulong v) => v.ToString(CultureInfo.InvariantCulture);
}
