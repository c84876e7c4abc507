package dev.bridge.examples;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;

/**
 * Files that ship inside jars, copied out once into bridge's cache folder and read from there afterwards.
 *
 * <p>Reading a large model out of its jar inflates it again on every start, and a native library has to be a
 * file before it can be loaded. The copies sit under a folder named by the entries' CRCs, so another version
 * of a jar gets other copies; a copy is written to a temporary name and moved into place, so a reader never
 * sees half of one. The cache folder is the Python side's: {@code BRIDGE_CACHE_DIR}, else
 * {@code $XDG_CACHE_HOME/bridge}, else {@code ~/.cache/bridge}.
 */
final class CachedFiles {
    private CachedFiles() {
    }

    /** The cache folder, as the Python side names it. */
    static Path folder() {
        String given = System.getenv("BRIDGE_CACHE_DIR");
        if (given != null && !given.isEmpty()) {
            return Paths.get(given);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".cache");
        return base.resolve("bridge");
    }

    /**
     * Copies classpath resources that sit in jars into one folder under {@code group}, each the first time.
     *
     * @param group the folder under the cache folder (e.g. {@code minilm})
     * @param resources classpath resource names; the files keep their last name segment
     * @return the folder holding every one of them, or null when one is not in a jar or cannot be copied
     *     (the caller then reads them the way it would without a cache)
     */
    static Path copy(String group, String... resources) {
        return copy(folder(), group, resources);
    }

    /**
     * As {@link #copy(String, String...)}, under another cache folder.
     *
     * @param cache the cache folder
     * @param group the folder under it
     * @param resources classpath resource names
     * @return the folder holding every one of them, or null
     */
    static Path copy(Path cache, String group, String... resources) {
        try {
            JarEntry[] entries = new JarEntry[resources.length];
            URL[] urls = new URL[resources.length];
            StringBuilder key = new StringBuilder();
            for (int i = 0; i < resources.length; i++) {
                urls[i] = CachedFiles.class.getClassLoader().getResource(resources[i]);
                if (urls[i] == null) {
                    return null;
                }
                URLConnection connection = urls[i].openConnection();
                if (!(connection instanceof JarURLConnection jar) || jar.getJarEntry() == null) {
                    return null;
                }
                entries[i] = jar.getJarEntry();
                key.append(i == 0 ? "" : "-").append(Long.toHexString(entries[i].getCrc()));
            }
            Path target = cache.resolve(group).resolve(key.toString());
            Files.createDirectories(target);
            for (int i = 0; i < resources.length; i++) {
                String name = resources[i].substring(resources[i].lastIndexOf('/') + 1);
                place(urls[i], entries[i].getSize(), target.resolve(name));
            }
            return target;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void place(URL url, long size, Path file) throws IOException {
        if (Files.isRegularFile(file) && Files.size(file) == size) {
            return;
        }
        Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        try (InputStream in = url.openStream()) {
            Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            if (Files.size(temp) != size) {
                throw new IOException("copied " + Files.size(temp) + " of " + size + " bytes of " + url);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
