package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// The launcher tests run the test binary itself as the launcher: with this variable set,
// TestMain runs main() instead of the tests.
const runMainEnv = "VCSIM_LAUNCHER_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func TestParseFlagsDefaults(t *testing.T) {
	c, err := parseFlags(nil, ioutil.Discard)
	if err != nil {
		t.Fatal(err)
	}
	vpx := simulator.VPX()
	if c.listen != "127.0.0.1:8989" || !c.tls || c.username != "" || c.password != "" || c.exitOnStdin {
		t.Errorf("defaults: listen %s tls %v user %q password %q exitOnStdin %v", c.listen, c.tls, c.username, c.password, c.exitOnStdin)
	}
	m := c.model
	if m.Datacenter != vpx.Datacenter || m.Cluster != vpx.Cluster || m.ClusterHost != vpx.ClusterHost || m.Host != vpx.Host ||
		m.Machine != vpx.Machine || m.Portgroup != vpx.Portgroup || m.Datastore != vpx.Datastore {
		t.Errorf("model defaults differ from simulator.VPX(): %+v", m)
	}
}

func TestParseFlagsValues(t *testing.T) {
	c, err := parseFlags(strings.Fields("-l 127.0.0.1:0 -username u -password p -tls=false -dc 2 -cluster 3 -host 4 -vm 5 -standalone-host 6 -pg 7 -ds 8 -pool 2 -folder 1 -exit-on-stdin-close"), ioutil.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m := c.model
	if c.listen != "127.0.0.1:0" || c.username != "u" || c.password != "p" || c.tls || !c.exitOnStdin {
		t.Errorf("parsed %+v", c)
	}
	if m.Datacenter != 2 || m.Cluster != 3 || m.ClusterHost != 4 || m.Machine != 5 || m.Host != 6 || m.Portgroup != 7 || m.Datastore != 8 || m.Pool != 2 || m.Folder != 1 {
		t.Errorf("model %+v", m)
	}
}

func TestParseFlagsErrors(t *testing.T) {
	for _, args := range []string{"-dc -1", "-vm -2", "extra", "-tlscert cert.pem", "-no-such-flag"} {
		if _, err := parseFlags(strings.Fields(args), ioutil.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestThumbprintFormat(t *testing.T) {
	got := thumbprint([]byte("abc"))
	// SHA-1("abc") = a9993e364706816aba3e25717850c26c9cd0d89d
	want := "A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D"
	if got != want {
		t.Errorf("thumbprint = %s, want %s", got, want)
	}
}

// launcher is a running launcher process.
type launcher struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *bytes.Buffer
	lines  map[string]string
	order  []string
	exited chan struct{} // closed when the process has exited
	err    error         // the result of Wait, once exited is closed
}

// launch starts the launcher with args and waits for VCSIM_READY. The process is stopped
// when the test ends if it is still running.
func launch(t *testing.T, args ...string) *launcher {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	l := &launcher{t: t, cmd: cmd, stdin: stdin, stderr: new(bytes.Buffer), lines: map[string]string{}, exited: make(chan struct{})}
	cmd.Stderr = l.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Stop it gracefully (so it removes its temporary datastore directories), or kill it.
		select {
		case <-l.exited:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-l.exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-l.exited
		}
	})

	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			l.order = append(l.order, line)
			if line == "VCSIM_READY" {
				ready <- nil
				_, _ = io.Copy(ioutil.Discard, stdout)
				break
			}
			if i := strings.IndexByte(line, '='); i > 0 {
				l.lines[line[:i]] = line[i+1:]
			}
		}
		ready <- fmt.Errorf("stdout closed before VCSIM_READY")
		l.err = cmd.Wait()
		close(l.exited)
	}()

	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("%v; stderr:\n%s", err, l.stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("no VCSIM_READY within 60s; stderr:\n%s", l.stderr.String())
	}
	return l
}

// waitExit waits for the process to exit and returns its exit code.
func (l *launcher) waitExit(timeout time.Duration) int {
	l.t.Helper()
	select {
	case <-l.exited:
		if l.err == nil {
			return 0
		}
		if ee, ok := l.err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		l.t.Fatalf("waiting for the launcher: %v", l.err)
	case <-time.After(timeout):
		l.t.Fatalf("the launcher did not exit within %s; stderr:\n%s", timeout, l.stderr.String())
	}
	return -1
}

func (l *launcher) url() *url.URL {
	l.t.Helper()
	u, err := url.Parse(l.lines["VCSIM_URL"])
	if err != nil {
		l.t.Fatalf("VCSIM_URL %q: %v", l.lines["VCSIM_URL"], err)
	}
	return u
}

func login(t *testing.T, u *url.URL, user, password string) (*govmomi.Client, error) {
	t.Helper()
	withUser := *u
	withUser.User = url.UserPassword(user, password)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return govmomi.NewClient(ctx, &withUser, true)
}

func countKind(t *testing.T, c *vim25.Client, kind string) int {
	t.Helper()
	ctx := context.Background()
	cv, err := view.NewManager(c).CreateContainerView(ctx, c.ServiceContent.RootFolder, []string{kind}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cv.Destroy(ctx) }()
	refs, err := cv.Find(ctx, []string{kind}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return len(refs)
}

var thumbprintPattern = regexp.MustCompile(`^([0-9A-F]{2}:){19}[0-9A-F]{2}$`)

func TestLauncherServesAndStopsOnSIGTERM(t *testing.T) {
	l := launch(t, "-l", "127.0.0.1:0", "-username", "u", "-password", "p",
		"-dc", "2", "-cluster", "1", "-host", "2", "-standalone-host", "1", "-vm", "1", "-pg", "1", "-ds", "1")

	want := []string{"VCSIM_URL", "VCSIM_THUMBPRINT", "VCSIM_PID", "VCSIM_READY"}
	if len(l.order) != len(want) {
		t.Fatalf("printed %q, want lines %v", l.order, want)
	}
	for i, key := range want {
		if !strings.HasPrefix(l.order[i], key) {
			t.Errorf("line %d = %q, want %s", i+1, l.order[i], key)
		}
	}
	u := l.url()
	if u.Scheme != "https" || u.Hostname() != "127.0.0.1" || u.Path != "/sdk" || u.User != nil {
		t.Errorf("VCSIM_URL = %s", u)
	}
	if port, _ := strconv.Atoi(u.Port()); port <= 0 {
		t.Errorf("VCSIM_URL has no real port: %s", u)
	}
	if pid := l.lines["VCSIM_PID"]; pid != strconv.Itoa(l.cmd.Process.Pid) {
		t.Errorf("VCSIM_PID = %s, want %d", pid, l.cmd.Process.Pid)
	}

	// The thumbprint is the one of the certificate the server presents.
	tp := l.lines["VCSIM_THUMBPRINT"]
	if !thumbprintPattern.MatchString(tp) {
		t.Errorf("VCSIM_THUMBPRINT = %q", tp)
	}
	conn, err := tls.Dial("tcp", u.Host, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	presented := thumbprint(conn.ConnectionState().PeerCertificates[0].Raw)
	conn.Close()
	if presented != tp {
		t.Errorf("the server presents %s, printed %s", presented, tp)
	}

	// The server listens on the given address only, with a single socket.
	checkListeners(t, l.cmd.Process.Pid, u.Host)

	// The credentials are enforced.
	_, err = login(t, u, "u", "wrong")
	if f, ok := faultOf(err).(*types.InvalidLogin); !ok {
		t.Errorf("wrong password: %v (%T), want InvalidLogin", err, f)
	}
	c, err := login(t, u, "u", "p")
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if n := countKind(t, c.Client, "Datacenter"); n != 2 {
		t.Errorf("%d datacenters, want 2", n)
	}
	if n := countKind(t, c.Client, "ClusterComputeResource"); n != 2 {
		t.Errorf("%d clusters, want 2", n)
	}
	if n := countKind(t, c.Client, "HostSystem"); n != 6 { // 2 x (2 cluster hosts + 1 standalone)
		t.Errorf("%d hosts, want 6", n)
	}
	if n := countKind(t, c.Client, "VirtualMachine"); n != 4 { // 2 x (1 per cluster pool + 1 per standalone host)
		t.Errorf("%d VMs, want 4", n)
	}
	if n := countKind(t, c.Client, "DistributedVirtualPortgroup"); n != 4 { // 2 x (1 + the uplink portgroup)
		t.Errorf("%d portgroups, want 4", n)
	}
	_ = c.Logout(context.Background())

	if err := l.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := l.waitExit(20 * time.Second); code != 0 {
		t.Errorf("exit code after SIGTERM = %d; stderr:\n%s", code, l.stderr.String())
	}
	if _, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		t.Error("the port still accepts connections after shutdown")
	}
}

func TestLauncherStopsOnSIGINT(t *testing.T) {
	l := launch(t, "-l", "127.0.0.1:0")
	if err := l.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := l.waitExit(20 * time.Second); code != 0 {
		t.Errorf("exit code after SIGINT = %d", code)
	}
}

func TestLauncherPlainHTTPAndAnyCredentials(t *testing.T) {
	l := launch(t, "-l", "127.0.0.1:0", "-tls=false", "-standalone-host", "0", "-pg", "0")
	if _, ok := l.lines["VCSIM_THUMBPRINT"]; ok {
		t.Error("VCSIM_THUMBPRINT printed without TLS")
	}
	u := l.url()
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
		t.Errorf("VCSIM_URL = %s", u)
	}
	// Without -username/-password any non-empty credentials are accepted, as upstream.
	c, err := login(t, u, "anyone", "anything")
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if n := countKind(t, c.Client, "DistributedVirtualSwitch"); n != 0 {
		t.Errorf("-pg 0 created %d switches", n)
	}
	_ = c.Logout(context.Background())
	soapClient := soap.NewClient(u, true)
	vc, err := vim25.NewClient(context.Background(), soapClient)
	if err != nil {
		t.Fatal(err)
	}
	err = session.NewManager(vc).Login(context.Background(), url.UserPassword("anyone", ""))
	if _, ok := faultOf(err).(*types.InvalidLogin); !ok {
		t.Errorf("empty password: %v, want InvalidLogin", err)
	}
}

func TestLauncherExitsWhenStdinCloses(t *testing.T) {
	l := launch(t, "-l", "127.0.0.1:0", "-exit-on-stdin-close")
	if err := l.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if code := l.waitExit(20 * time.Second); code != 0 {
		t.Errorf("exit code after stdin closed = %d", code)
	}
}

func TestLauncherKeepsRunningWithoutStdinFlag(t *testing.T) {
	l := launch(t, "-l", "127.0.0.1:0")
	_ = l.stdin.Close()
	select {
	case <-l.exited:
		t.Fatalf("the launcher exited when stdin closed without -exit-on-stdin-close: %v", l.err)
	case <-time.After(time.Second):
	}
	_ = l.cmd.Process.Signal(syscall.SIGTERM)
	if code := l.waitExit(20 * time.Second); code != 0 {
		t.Errorf("exit code = %d", code)
	}
}

func TestLauncherUsesGivenCertificate(t *testing.T) {
	cert, err := selfSigned("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	key, err := x509.MarshalECPrivateKey(cert.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	if err := ioutil.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0600); err != nil {
		t.Fatal(err)
	}
	if err := ioutil.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: key}), 0600); err != nil {
		t.Fatal(err)
	}

	l := launch(t, "-l", "127.0.0.1:0", "-tlscert", certFile, "-tlskey", keyFile)
	if want := thumbprint(cert.Certificate[0]); l.lines["VCSIM_THUMBPRINT"] != want {
		t.Errorf("VCSIM_THUMBPRINT = %s, want the given certificate's %s", l.lines["VCSIM_THUMBPRINT"], want)
	}
	conn, err := tls.Dial("tcp", l.url().Host, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	defer conn.Close()
	if got := thumbprint(conn.ConnectionState().PeerCertificates[0].Raw); got != thumbprint(cert.Certificate[0]) {
		t.Errorf("the server presents %s", got)
	}
}

func TestLauncherFailsOnBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-l", "256.1.1.1:0"}, {"-dc", "-1"}, {"-unknown"}, {"-tlscert", "/nonexistent.pem", "-tlskey", "/nonexistent.key"}} {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), runMainEnv+"=1")
		out, err := cmd.CombinedOutput()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() == 0 {
			t.Errorf("%v: exit %v, want non-zero; output:\n%s", args, err, out)
		}
		if bytes.Contains(out, []byte("VCSIM_READY")) {
			t.Errorf("%v: printed VCSIM_READY", args)
		}
	}
}

func faultOf(err error) types.BaseMethodFault {
	if err != nil && soap.IsSoapFault(err) {
		switch f := soap.ToSoapFault(err).VimFault().(type) {
		case types.InvalidLogin:
			return &f
		case types.BaseMethodFault:
			return f
		}
	}
	return nil
}

// checkListeners verifies from /proc that the process has exactly one listening TCP
// socket, bound to hostport.
func checkListeners(t *testing.T, pid int, hostport string) {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := ioutil.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Skipf("cannot inspect /proc: %v", err)
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), fd.Name()))
		if err == nil && strings.HasPrefix(target, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(target, "socket:["), "]")] = true
		}
	}
	host, port, _ := net.SplitHostPort(hostport)
	p, _ := strconv.Atoi(port)
	want := fmt.Sprintf("%s:%04X", hexIPv4(net.ParseIP(host)), p)

	var listening []string
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := ioutil.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) > 9 && f[3] == "0A" && inodes[f[9]] { // 0A = LISTEN
				listening = append(listening, f[1])
			}
		}
	}
	if len(listening) != 1 || listening[0] != want {
		t.Errorf("listening sockets %v, want only %s (%s)", listening, want, hostport)
	}
}

// hexIPv4 renders an IPv4 address as /proc/net/tcp does (little-endian hex).
func hexIPv4(ip net.IP) string {
	v4 := ip.To4()
	return fmt.Sprintf("%02X%02X%02X%02X", v4[3], v4[2], v4[1], v4[0])
}
