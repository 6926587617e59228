package dev.kfit.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kfit.error.BadInputException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real ansible-inventory (installed with Ansible, which provisions the hosts). */
class InventoryTest {
    @TempDir
    Path dir;

    @BeforeEach
    void keys() throws Exception {
        Files.createDirectories(dir.resolve("keys"));
        Files.writeString(dir.resolve("keys/id_ed25519"), "not parsed here\n");
        Files.writeString(dir.resolve("known_hosts"), "");
    }

    @Test
    void iniWithDefaultsOverridesAndRelativePaths() throws Exception {
        Path inv = write("hosts.ini", """
                [kfit_hosts]
                alpha ansible_host=10.0.0.1 ansible_ssh_private_key_file=keys/id_ed25519 kfit_known_hosts=known_hosts
                beta ansible_port=2222 ansible_user=kfit ansible_ssh_private_key_file=keys/id_ed25519 kfit_known_hosts=known_hosts kfit_link_address=192.168.7.2 kfit_cores=4 kfit_memory_mb=2048

                [other]
                gamma ansible_ssh_private_key_file=/nonexistent
                """);
        List<HostEntry> hosts = Inventory.read(inv);
        assertThat(hosts).containsExactly(
                new HostEntry("alpha", "10.0.0.1", 22, "root", dir.resolve("keys/id_ed25519"),
                        dir.resolve("known_hosts"), "10.0.0.1", null, null),
                new HostEntry("beta", "beta", 2222, "kfit", dir.resolve("keys/id_ed25519"),
                        dir.resolve("known_hosts"), "192.168.7.2", 4, 2048L));
    }

    @Test
    void yamlWithChildGroupsAndAGroupName() throws Exception {
        Path inv = write("hosts.yml", """
                all:
                  vars:
                    ansible_ssh_private_key_file: keys/id_ed25519
                    kfit_known_hosts: known_hosts
                  children:
                    lab:
                      hosts:
                        one:
                          ansible_host: 10.1.0.1
                      children:
                        rack2:
                          hosts:
                            two:
                              ansible_port: "2200"
                """);
        List<HostEntry> hosts = Inventory.read(inv, "lab");
        assertThat(hosts).extracting(HostEntry::name).containsExactly("one", "two");
        assertThat(hosts.get(1).port()).isEqualTo(2200);
        assertThat(hosts.get(0).privateKey()).isEqualTo(dir.resolve("keys/id_ed25519"));
    }

    @Test
    void missingFileNamesIt() {
        Path inv = dir.resolve("nope.ini");
        assertThatThrownBy(() -> Inventory.read(inv)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(inv.toString());
    }

    @Test
    void unparsableInventoryCarriesAnsibleError() throws Exception {
        Path inv = write("broken.ini", "[kfit_hosts\nx = = =\n");
        assertThatThrownBy(() -> Inventory.read(inv)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(inv.toString())
                .hasMessageContaining("ansible-inventory failed")
                .hasMessageContaining("parse");
    }

    @Test
    void emptyGroupIsAnError() throws Exception {
        Path inv = write("hosts.ini", "[other]\nh1\n");
        assertThatThrownBy(() -> Inventory.read(inv)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(inv.toString())
                .hasMessageContaining("no hosts in group kfit_hosts");
    }

    @Test
    void keyIsRequiredAndMustExist() throws Exception {
        Path noKey = write("a.ini", "[kfit_hosts]\nh1 kfit_known_hosts=known_hosts\n");
        assertThatThrownBy(() -> Inventory.read(noKey)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(noKey.toString()).hasMessageContaining("host h1")
                .hasMessageContaining("ansible_ssh_private_key_file");
        Path missingKey = write("b.ini", "[kfit_hosts]\nh2 ansible_ssh_private_key_file=keys/gone kfit_known_hosts=known_hosts\n");
        assertThatThrownBy(() -> Inventory.read(missingKey)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("host h2").hasMessageContaining(dir.resolve("keys/gone").toString());
    }

    @Test
    void unreadableKnownHostsIsAnError() throws Exception {
        Path inv = write("c.ini", "[kfit_hosts]\nh3 ansible_ssh_private_key_file=keys/id_ed25519 kfit_known_hosts=missing_kh\n");
        assertThatThrownBy(() -> Inventory.read(inv)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(inv.toString()).hasMessageContaining("host h3")
                .hasMessageContaining(dir.resolve("missing_kh").toString());
    }

    @Test
    void badNumbersAreErrors() throws Exception {
        Path inv = write("d.ini", "[kfit_hosts]\nh4 ansible_ssh_private_key_file=keys/id_ed25519 kfit_known_hosts=known_hosts kfit_cores=many\n");
        assertThatThrownBy(() -> Inventory.read(inv)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("host h4").hasMessageContaining("kfit_cores");
        Path zero = write("e.ini", "[kfit_hosts]\nh5 ansible_ssh_private_key_file=keys/id_ed25519 kfit_known_hosts=known_hosts kfit_cores=0\n");
        assertThatThrownBy(() -> Inventory.read(zero)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(zero.toString()).hasMessageContaining("cores");
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }
}
