using System.Globalization;
using System.Text;

namespace SsdLite.Export.Triton;

/// <summary>
/// config.pbtxt in protobuf text format, message <c>inference.ModelConfig</c> of Triton's model_config.proto: the
/// field names below are that schema's, and the tests parse the result against those definitions.
/// </summary>
internal static class TritonConfigText
{
    public static string Write(TritonRepositoryOptions options, IReadOnlyList<TritonTensor> inputs, IReadOnlyList<TritonTensor> outputs)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"name: {Quote(options.ModelName)}\n");
        text.Append(CultureInfo.InvariantCulture, $"platform: {Quote(TritonRepository.Platform)}\n");
        text.Append(CultureInfo.InvariantCulture, $"max_batch_size: {options.MaxBatchSize}\n");
        Tensors(text, "input", inputs, isInput: true);
        Tensors(text, "output", outputs, isInput: false);
        text.Append("dynamic_batching {\n");
        text.Append(CultureInfo.InvariantCulture, $"  preferred_batch_size: {List(options.PreferredBatchSizes.Select(b => (long)b))}\n");
        text.Append(CultureInfo.InvariantCulture, $"  max_queue_delay_microseconds: {options.MaxQueueDelayMicroseconds}\n");
        text.Append("}\n");
        // KIND_CPU: the ONNX Runtime CPU provider that SsdLite is measured on; docs/deploy.md says how to ask for KIND_GPU.
        text.Append("instance_group [\n  {\n    kind: KIND_CPU\n");
        text.Append(CultureInfo.InvariantCulture, $"    count: {options.InstanceCount}\n");
        text.Append("  }\n]\n");
        return text.ToString();
    }

    private static void Tensors(StringBuilder text, string field, IReadOnlyList<TritonTensor> tensors, bool isInput)
    {
        text.Append(field).Append(" [\n");
        for (var i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            text.Append("  {\n");
            text.Append(CultureInfo.InvariantCulture, $"    name: {Quote(t.Name)}\n");
            text.Append(CultureInfo.InvariantCulture, $"    data_type: {t.DataType}\n");
            // The image input is N, 3, S, S: Triton's image clients read the layout from format.
            if (isInput && t.Dims.Count == 3) text.Append("    format: FORMAT_NCHW\n");
            text.Append(CultureInfo.InvariantCulture, $"    dims: {List(t.Dims)}\n");
            if (t.Reshape is { } reshape) text.Append(CultureInfo.InvariantCulture, $"    reshape: {{ shape: {List(reshape)} }}\n");
            if (t.LabelFileName is { } labels) text.Append(CultureInfo.InvariantCulture, $"    label_filename: {Quote(labels)}\n");
            text.Append(i + 1 < tensors.Count ? "  },\n" : "  }\n");
        }
        text.Append("]\n");
    }

    private static string List(IEnumerable<long> values)
    {
        var items = string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
        return items.Length == 0 ? "[ ]" : $"[ {items} ]";
    }

    // Names are checked to plain characters and tensor names are SsdLite's own; escaping keeps the file valid whatever they hold.
    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
