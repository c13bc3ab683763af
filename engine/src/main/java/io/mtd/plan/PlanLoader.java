package io.mtd.plan;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads a {@link Plan} from YAML or JSON (JSON is YAML), collecting every unknown field and then every validation error,
 * so that a user fixes a plan in one go.
 */
public final class PlanLoader {

    private PlanLoader() {}

    /** The plan in {@code file}, validated; throws {@link InvalidPlanException} listing everything wrong with it. */
    public static Plan load(Path file) {
        return valid(read(file));
    }

    /** The plan written in {@code yamlOrJson}, validated; every error carries its line and column in the text. */
    public static Plan parse(String yamlOrJson) {
        return valid(read(yamlOrJson));
    }

    private static Plan valid(PlanText text) {
        List<PlanError> errors = text.errors(text.plan() == null ? List.of() : PlanValidator.validate(text.plan()));
        if (!errors.isEmpty()) {
            throw new InvalidPlanException(errors);
        }
        return text.plan();
    }

    /** The plan in {@code file} as read, not yet checked; a file that cannot be read is its one error. */
    public static PlanText read(Path file) {
        if (Files.isDirectory(file)) {
            return unreadable(file + " is a directory: give the plan file in it, e.g. " + file.resolve("mtd.yaml"));
        }
        try {
            return read(Files.readString(file));
        } catch (NoSuchFileException e) {
            return unreadable("the plan file " + file + " does not exist");
        } catch (IOException e) {
            return unreadable("cannot read the plan file " + file + ": " + e.getMessage() + ": check that it is a readable text file");
        }
    }

    /** The plan written in {@code yamlOrJson} as read, not yet checked: its shape errors, and where each field is. */
    public static PlanText read(String yamlOrJson) {
        List<PlanError> errors = new ArrayList<>();
        Map<String, JsonLocation> locations = new HashMap<>();
        Plan plan = read(yamlOrJson, errors, locations);
        return new PlanText(plan, errors, locations);
    }

    private static PlanText unreadable(String why) {
        return new PlanText(null, List.of(new PlanError("", why)), Map.of());
    }

    /** The mapper that writes plans back as YAML (for {@code mtd plan}) in the same shape they are read. */
    public static ObjectMapper yaml() {
        return YAMLMapper.builder()
                .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES)
                .build();
    }

    private static Plan read(String text, List<PlanError> errors, Map<String, JsonLocation> locations) {
        YAMLFactory factory = new YAMLFactory();
        ObjectMapper mapper = YAMLMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build();
        try (JsonParser parser = factory.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first != null) {
                PlanLocations.walk(parser, first, "", locations, errors);
            }
        } catch (JsonProcessingException e) {
            errors.add(syntaxError(e));
            return null;
        } catch (IOException e) {
            errors.add(new PlanError("", "cannot read the plan: " + e.getMessage()));
            return null;
        }
        JsonNode tree;
        try {
            tree = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            errors.add(syntaxError(e));
            return null;
        }
        if (tree == null || tree.isMissingNode() || tree.isNull() || tree.isEmpty() && tree.isObject()) {
            errors.add(new PlanError("", "the plan is empty: give at least app, image, migration and environments"));
            return null;
        }
        if (!tree.isObject()) {
            errors.add(new PlanError("", "expected the plan to be a mapping of fields, not " + PlanShapes.describe(tree)
                    + ": write it as app: shop, image: ..., migration: ..., environments: ..., one field per line")
                    .at(1, 1));
            return null;
        }
        unknownFields(tree, Plan.class, "", errors);
        PlanShapes.check(tree, Plan.class, "", errors);
        try {
            return mapper.treeToValue(tree, Plan.class);
        } catch (JsonMappingException e) {
            errors.add(new PlanError(path(e.getPath()), typeProblem(e)));
            return null;
        } catch (JsonProcessingException e) {
            errors.add(new PlanError("", e.getOriginalMessage()));
            return null;
        }
    }

    /** A YAML or JSON syntax error where SnakeYAML (or Jackson) found it, with what it expected, and where it began. */
    private static PlanError syntaxError(JsonProcessingException e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof MarkedYAMLException y && y.getProblemMark() != null) {
                Mark at = y.getProblemMark();
                String opened = y.getContext() == null || y.getContextMark() == null ? ""
                        : " (" + y.getContext().trim() + " that began at line " + (y.getContextMark().getLine() + 1)
                                + ", column " + (y.getContextMark().getColumn() + 1) + ")";
                String problem = y.getProblem() == null ? "syntax error" : y.getProblem().trim();
                return new PlanError("", "not valid YAML: " + problem + opened + ": check the indentation and brackets,"
                        + " and quote values that contain ': ', '#', '[' or '{'", at.getLine() + 1, at.getColumn() + 1);
            }
        }
        JsonLocation l = e.getLocation();
        String problem = e.getOriginalMessage() == null ? "syntax error" : e.getOriginalMessage().replaceAll("\\s*\\n.*", "");
        return l == null ? new PlanError("", "not valid YAML or JSON: " + problem)
                : new PlanError("", "not valid YAML or JSON: " + problem, l.getLineNr(), l.getColumnNr());
    }

    /** Walks the tree along the record types and reports every field no record component takes, with its exact path. */
    private static void unknownFields(JsonNode node, Type type, String path, List<PlanError> errors) {
        Class<?> raw = PlanShapes.raw(type);
        if (raw.isRecord() && node.isObject()) {
            Map<String, Type> components = new LinkedHashMap<>();
            for (RecordComponent rc : raw.getRecordComponents()) {
                components.put(rc.getName(), rc.getGenericType());
            }
            node.properties().forEach(field -> {
                String p = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
                Type fieldType = components.get(field.getKey());
                if (fieldType == null) {
                    errors.add(new PlanError(p, unknownFieldHint(field.getKey(), components.keySet())));
                } else {
                    unknownFields(field.getValue(), fieldType, p, errors);
                }
            });
        } else if (List.class.isAssignableFrom(raw) && node.isArray() && type instanceof ParameterizedType pt) {
            for (int i = 0; i < node.size(); i++) {
                unknownFields(node.get(i), pt.getActualTypeArguments()[0], path + "[" + i + "]", errors);
            }
        }
    }

    private static String unknownFieldHint(String name, Collection<String> known) {
        return closest(name, known)
                .map(k -> "unknown field: did you mean '" + k + "'?")
                .orElse("unknown field: remove it (known fields here: " + String.join(", ", known) + ")");
    }

    private static java.util.Optional<String> closest(String name, Collection<String> known) {
        return known.stream()
                .filter(k -> distance(k.toLowerCase(), name.toLowerCase()) <= Math.max(2, name.length() / 3))
                .min(Comparator.comparingInt(k -> distance(k.toLowerCase(), name.toLowerCase())));
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String typeProblem(JsonMappingException e) {
        String msg = e.getOriginalMessage();
        if (msg.contains("Cannot deserialize value of type `java.util.List") || msg.contains("from Object value")
                && msg.contains("List")) {
            return "expected a list, e.g. [a, b]";
        }
        if (msg.contains("Cannot deserialize value of type `java.lang.Integer`")
                || msg.contains("Cannot deserialize value of type `java.lang.Long`")) {
            return "expected a whole number";
        }
        if (msg.contains("Cannot deserialize value of type `java.lang.Boolean`")) {
            return "expected true or false";
        }
        if (msg.contains("Cannot construct instance of") || msg.contains("from String value")) {
            return "expected a mapping of fields (key: value), not a single value";
        }
        if (msg.contains("java.lang.String") && msg.contains("from Array")) {
            return "expected a single value, not a list";
        }
        if (msg.contains("java.lang.String") && msg.contains("from Object")) {
            return "expected a single value, not a mapping";
        }
        return msg.replaceAll("\\s*\\(.*", "");
    }

    static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    /** The plan as JSON, for reports and for passing plans between processes. */
    public static ObjectMapper json() {
        return JsonMapper.builder().build();
    }
}
