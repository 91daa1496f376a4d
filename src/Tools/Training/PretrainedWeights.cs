using SsdLite.Core;
using SsdLite.Detection;
using SsdLite.Detection.Models;

namespace SsdLite.Tools.Training;

/// <summary>
/// Loads <c>--pretrained</c> weights into a fresh model: an SsdLite checkpoint or reference .pth of the same
/// architecture (all of it, or all but the classification heads when the class count differs), or a backbone alone
/// into base_net (torchvision mobilenet_v2 for mb2-ssd-lite; an ImageNet MobileNetV1 or the reference's base-net
/// files for the mb1 architectures).
/// </summary>
public static class PretrainedWeights
{
    private const string ClassificationPrefix = "classification_headers.";
    private const string BaseNetPrefix = "base_net.";

    public static void Load(SsdLiteModel model, string path, Action<string> say)
    {
        using var weights = ModelWeights.Read(path);
        Load(model, weights, say);
    }

    /// <summary>Loads weights already read (they stay the caller's).</summary>
    public static void Load(SsdLiteModel model, ModelWeights weights, Action<string> say)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        var path = weights.Path;
        if (weights.Format is WeightsFormat.TorchvisionPth or WeightsFormat.BaseNetPth)
        {
            LoadBackbone(model, weights, say);
            return;
        }
        var arch = model.Config.Arch;
        var theirs = weights.Format == WeightsFormat.SsdLiteCheckpoint ? weights.Config!.Arch : weights.ReferenceArch();
        if (theirs is { } other && other != arch)
            throw new ConfigException($"--pretrained {path} holds {other.Name()} weights, the run trains {arch.Name()}: set arch: {other.Name()}");
        var own = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var tensors = weights.Tensors.ToList();
        var headsDiffer = tensors.Any(kv => kv.Key.StartsWith(ClassificationPrefix, StringComparison.Ordinal)
            && own.TryGetValue(kv.Key, out var shape) && !shape.SequenceEqual(kv.Value.shape));
        if (headsDiffer) tensors = tensors.Where(kv => !kv.Key.StartsWith(ClassificationPrefix, StringComparison.Ordinal)).ToList();
        var result = model.load_state_dict(tensors, strict: false);
        if (headsDiffer)
        {
            model.ResetClassificationHeads();
            say($"pretrained {path}: another class count; loaded everything but the classification heads, which start fresh");
        }
        Report(path, result.MissingKeys.Where(k => !headsDiffer || !k.StartsWith(ClassificationPrefix, StringComparison.Ordinal)).ToList(),
            result.UnexpectedKeys, say);
    }

    private static void LoadBackbone(SsdLiteModel model, ModelWeights weights, Action<string> say)
    {
        // A classifier's own layers have no place in the detector; its features map onto base_net.
        var renamed = weights.BaseNetTensors();
        var what = weights.Format == WeightsFormat.TorchvisionPth ? "torchvision mobilenet_v2" : "base net";
        var baseKeys = model.state_dict().Keys.Where(k => k.StartsWith(BaseNetPrefix, StringComparison.Ordinal)).ToHashSet();
        // Another backbone's keys mostly miss this one's (MobileNetV2's blocks are N.conv.*, MobileNetV1's N.0 … N.5):
        // loading the few that happen to match would leave a backbone that is neither.
        var foreign = renamed.Where(kv => !baseKeys.Contains(kv.Key)).Select(kv => kv.Key).ToList();
        if (foreign.Count > 0)
        {
            throw new ConfigException($"--pretrained {weights.Path}: a {what} that does not fit the {model.Config.Arch.Name()} base net " +
                $"({foreign.Count} of its {renamed.Count} tensors have no place in it, e.g. {Sample(foreign)}); {BackboneHint(model.Config.Arch)}");
        }
        var result = model.load_state_dict(renamed, strict: false);
        var missingInBase = result.MissingKeys.Where(k => k.StartsWith(BaseNetPrefix, StringComparison.Ordinal)).ToList();
        say($"pretrained {weights.Path}: {what} loaded into base_net ({renamed.Count} tensors); extras and heads start fresh");
        Report(weights.Path, missingInBase, result.UnexpectedKeys, say);
    }

    private static string BackboneHint(SsdArch arch) => arch == SsdArch.Mb2SsdLite
        ? "mb2-ssd-lite takes a torchvision mobilenet_v2 or a MobileNetV2 base net"
        : $"{arch.Name()} takes an ImageNet MobileNetV1 (the reference's model.* keys, or its base net's own)";

    private static void Report(string path, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, Action<string> say)
    {
        if (missing.Count > 0) say($"pretrained {path}: {missing.Count} model tensors not in the file, left as initialised: {Sample(missing)}");
        if (unexpected.Count > 0) say($"pretrained {path}: {unexpected.Count} tensors skipped (no such key in the model): {Sample(unexpected)}");
    }

    private static string Sample(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(5)) + (keys.Count > 5 ? $", ... ({keys.Count - 5} more)" : "");
}
