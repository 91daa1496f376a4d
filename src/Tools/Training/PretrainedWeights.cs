using SsdLite.Detection;

namespace SsdLite.Tools.Training;

/// <summary>
/// Loads <c>--pretrained</c> weights into a fresh model: an SsdLite checkpoint or reference .pth (all of it, or all
/// but the classification heads when the class count differs), or a torchvision mobilenet_v2 .pth into base_net.
/// </summary>
public static class PretrainedWeights
{
    private const string ClassificationPrefix = "classification_headers.";

    public static void Load(SsdLiteModel model, string path, Action<string> say)
    {
        using var weights = ModelWeights.Read(path);
        if (weights.Format == WeightsFormat.TorchvisionPth)
        {
            LoadBackbone(model, weights, say);
            return;
        }
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
        // torchvision's classifier has no place in the detector; its features map onto base_net.
        var renamed = TorchvisionNames.ToReference(weights.Tensors, "base_net.")
            .Where(kv => kv.Key.StartsWith("base_net.", StringComparison.Ordinal)).ToList();
        var result = model.load_state_dict(renamed, strict: false);
        var missingInBase = result.MissingKeys.Where(k => k.StartsWith("base_net.", StringComparison.Ordinal)).ToList();
        say($"pretrained {weights.Path}: torchvision mobilenet_v2 loaded into base_net ({renamed.Count - result.UnexpectedKeys.Count} tensors); extras and heads start fresh");
        Report(weights.Path, missingInBase, result.UnexpectedKeys, say);
    }

    private static void Report(string path, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, Action<string> say)
    {
        if (missing.Count > 0) say($"pretrained {path}: {missing.Count} model tensors not in the file, left as initialised: {Sample(missing)}");
        if (unexpected.Count > 0) say($"pretrained {path}: {unexpected.Count} tensors skipped (no such key in the model): {Sample(unexpected)}");
    }

    private static string Sample(IReadOnlyList<string> keys) =>
        string.Join(", ", keys.Take(5)) + (keys.Count > 5 ? $", ... ({keys.Count - 5} more)" : "");
}
