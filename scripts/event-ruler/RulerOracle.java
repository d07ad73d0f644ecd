import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import software.amazon.event.ruler.Machine;

/**
 * AWS Event Ruler as a test oracle for the bridge's filter matcher (lib/filter). Reads pairs of
 * lines on stdin, a pattern (JSON) then an event (JSON), and writes one verdict line per pair:
 * "1" (the pattern matches the event), "0" (it does not) or "E <message>" (Event Ruler refuses
 * the pattern). Each pair gets its own Machine, as a route has its own filter.
 */
public final class RulerOracle {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    String pattern;
    while ((pattern = in.readLine()) != null) {
      String event = in.readLine();
      if (event == null) throw new IllegalArgumentException("a pattern line without its event line");
      out.write(verdict(pattern, event));
      out.write('\n');
    }
    out.flush();
  }

  private static String verdict(String pattern, String event) {
    Machine machine = new Machine();
    try {
      machine.addRule("rule", pattern);
    } catch (Exception | Error e) {
      return "E " + String.valueOf(e.getMessage()).replace('\n', ' ');
    }
    try {
      return machine.rulesForJSONEvent(event).isEmpty() ? "0" : "1";
    } catch (Exception e) {
      return "X " + String.valueOf(e.getMessage()).replace('\n', ' ');
    }
  }
}
