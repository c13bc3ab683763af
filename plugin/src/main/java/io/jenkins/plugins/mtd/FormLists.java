package io.jenkins.plugins.mtd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import net.sf.json.JSONArray;
import net.sf.json.JSONObject;

/** List fields as the forms show them: one value per line in a textarea, a trimmed list without blanks in the bean. */
final class FormLists {

    private FormLists() {}

    static List<String> clean(List<String> values) {
        List<String> out = new ArrayList<>();
        if (values != null) {
            for (String v : values) {
                if (v != null && !v.trim().isEmpty()) {
                    out.add(v.trim());
                }
            }
        }
        return out;
    }

    /** Values separated by new lines or commas. */
    static List<String> split(String text) {
        return text == null ? new ArrayList<>() : clean(Arrays.asList(text.split("[\\r\\n,]+")));
    }

    /** Values one per line: a value may contain spaces or commas. */
    static List<String> lines(String text) {
        return text == null ? new ArrayList<>() : clean(Arrays.asList(text.split("\\R")));
    }

    static String join(List<String> values) {
        return values == null ? "" : String.join("\n", values);
    }

    /** The form with each named textarea turned into the list its bean property takes. */
    static JSONObject splitFields(JSONObject form, String... fields) {
        return toLists(form, FormLists::split, fields);
    }

    /** The form with each named textarea (one argument per line) turned into the list its bean property takes. */
    static JSONObject argumentLines(JSONObject form, String... fields) {
        return toLists(form, FormLists::lines, fields);
    }

    private static JSONObject toLists(JSONObject form, Function<String, List<String>> toList, String... fields) {
        for (String field : fields) {
            Object value = form.opt(field);
            if (value instanceof String) {
                form.put(field, JSONArray.fromObject(toList.apply((String) value)));
            }
        }
        return form;
    }
}
