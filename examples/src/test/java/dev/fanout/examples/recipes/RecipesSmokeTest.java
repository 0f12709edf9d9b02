package dev.fanout.examples.recipes;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Runs every example in the recipes package, found by listing the compiled classes (so recipes
 * added later are included without touching this test): each must end by itself within a bound,
 * and print something.
 */
class RecipesSmokeTest {

    private static final Duration BOUND = Duration.ofSeconds(45);

    @TestFactory
    Stream<DynamicTest> everyRecipeRunsToTheEndAndPrints() throws IOException, URISyntaxException {
        List<Class<?>> recipes = recipeClasses();
        assertThat(recipes).as("recipes found").hasSizeGreaterThanOrEqualTo(15);
        return recipes.stream().map(recipe -> DynamicTest.dynamicTest(recipe.getSimpleName(), () -> {
            Method main = recipe.getMethod("main", String[].class);
            String output = captureStdout(() -> assertTimeoutPreemptively(BOUND, () -> {
                main.invoke(null, (Object) new String[0]);
            }, recipe.getSimpleName() + " did not end within " + BOUND));
            assertThat(output.lines().filter(l -> !l.isBlank()).count()).as(recipe.getSimpleName() + " printed:\n"
                    + output).isGreaterThanOrEqualTo(1);
        }));
    }

    /** Top-level public classes with {@code public static void main(String[])} in this package's classes directory. */
    static List<Class<?>> recipeClasses() throws IOException, URISyntaxException {
        Path dir = Path.of(FetchSampleApi.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .resolve(FetchSampleApi.class.getPackageName().replace('.', '/'));
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".class") && !n.contains("$") && !n.equals("package-info.class"))
                    .sorted()
                    .map(n -> load(FetchSampleApi.class.getPackageName() + "." + n.substring(0, n.length() - 6)))
                    .filter(RecipesSmokeTest::hasMain)
                    .<Class<?>>map(c -> c)
                    .toList();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean hasMain(Class<?> c) {
        try {
            Method main = c.getMethod("main", String[].class);
            return Modifier.isStatic(main.getModifiers()) && Modifier.isPublic(c.getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private interface Body {
        void run() throws Throwable;
    }

    private static String captureStdout(Body body) throws Throwable {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        original.print(output); // keep it in the test report
        return output;
    }
}
