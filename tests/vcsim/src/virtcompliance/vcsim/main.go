// Command vcsim runs the govmomi vCenter simulator with the VirtCompliance extensions
// (see package virtcompliance/vcsim/ext) for the project's integration tests and
// benchmarks.
//
// Once it serves, it prints (and flushes) one line each:
//
//	VCSIM_URL=https://127.0.0.1:PORT/sdk
//	VCSIM_THUMBPRINT=AA:BB:...   (SHA-1 of the server certificate; only with -tls)
//	VCSIM_PID=<pid>
//	VCSIM_READY
//
// and runs until SIGTERM or SIGINT (or, with -exit-on-stdin-close, until its standard
// input is closed), then closes the server, removes the model and exits 0.
package main

import (
	"crypto/sha1"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"

	"virtcompliance/vcsim/ext"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// config is the parsed command line.
type config struct {
	listen          string
	username        string
	password        string
	tls             bool
	tlsCert         string
	tlsKey          string
	trace           bool
	exitOnStdin     bool
	shutdownTimeout time.Duration
	faultPortVMs    string
	model           *simulator.Model
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{model: simulator.VPX()}
	m := c.model

	fs := flag.NewFlagSet("vcsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "l", "127.0.0.1:8989", "Listen address `host:port` (port 0 picks a free port)")
	fs.StringVar(&c.username, "username", "", "Login user name accepted by the simulator (default: any non-empty user name)")
	fs.StringVar(&c.password, "password", "", "Login password accepted by the simulator (default: any non-empty password)")
	fs.BoolVar(&c.tls, "tls", true, "Serve HTTPS (with a self-signed certificate unless -tlscert/-tlskey are given)")
	fs.StringVar(&c.tlsCert, "tlscert", "", "PEM certificate `file` for -tls (default: a generated self-signed certificate)")
	fs.StringVar(&c.tlsKey, "tlskey", "", "PEM private key `file` for -tlscert")
	fs.BoolVar(&c.trace, "trace", false, "Write SOAP requests and responses to stderr")
	fs.BoolVar(&c.exitOnStdin, "exit-on-stdin-close", false, "Shut down when standard input is closed")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 10*time.Second, "How long shutdown waits for outstanding requests")
	fs.StringVar(&c.faultPortVMs, "fault-dvport-vm", "", "Test hook: ReconfigureDVPort_Task fails with DvsFault for ports connected to these VMs (comma-separated `names`)")

	fs.IntVar(&m.Datacenter, "dc", m.Datacenter, "Number of datacenters")
	fs.IntVar(&m.Cluster, "cluster", m.Cluster, "Number of clusters per datacenter")
	fs.IntVar(&m.ClusterHost, "host", m.ClusterHost, "Number of hosts per cluster")
	fs.IntVar(&m.Host, "standalone-host", m.Host, "Number of standalone hosts per datacenter")
	fs.IntVar(&m.Machine, "vm", m.Machine, "Number of virtual machines per resource pool (and per standalone host)")
	fs.IntVar(&m.Portgroup, "pg", m.Portgroup, "Number of distributed portgroups per datacenter")
	fs.IntVar(&m.Datastore, "ds", m.Datastore, "Number of local datastores")
	fs.IntVar(&m.Pool, "pool", m.Pool, "Number of child resource pools per cluster")
	fs.IntVar(&m.Folder, "folder", m.Folder, "Number of datacenters placed in a folder")
	fs.BoolVar(&m.Autostart, "autostart", m.Autostart, "Power on the created virtual machines")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	for name, n := range map[string]int{
		"dc": m.Datacenter, "cluster": m.Cluster, "host": m.ClusterHost, "standalone-host": m.Host,
		"vm": m.Machine, "pg": m.Portgroup, "ds": m.Datastore, "pool": m.Pool, "folder": m.Folder,
	} {
		if n < 0 {
			return nil, fmt.Errorf("-%s must not be negative", name)
		}
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return nil, errors.New("-tlscert and -tlskey must be given together")
	}
	return c, nil
}

// thumbprint is the SHA-1 of a DER certificate as upper-case hex pairs joined by colons,
// the form vSphere clients use to pin a server certificate.
func thumbprint(der []byte) string {
	sum := sha1.Sum(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// newServer starts the server; the simulator panics when it cannot listen.
func newServer(e *ext.Extensions, c *config, user *url.Userinfo, tlsConfig *tls.Config) (srv *simulator.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return e.NewServer(c.listen, user, tlsConfig), nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "vcsim:", err)
		return 2
	}

	// Signals that arrive while the model is being built still shut down cleanly.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)

	simulator.Trace = c.trace

	var tlsConfig *tls.Config
	if c.tls {
		cert, err := loadCertificate(c)
		if err != nil {
			fmt.Fprintln(stderr, "vcsim:", err)
			return 1
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}

	model := c.model
	if err := model.Create(); err != nil {
		fmt.Fprintln(stderr, "vcsim: creating the model:", err)
		return 1
	}
	defer model.Remove()

	e, err := ext.Install(model)
	if err != nil {
		fmt.Fprintln(stderr, "vcsim:", err)
		return 1
	}
	for _, name := range strings.Split(c.faultPortVMs, ",") {
		if name = strings.TrimSpace(name); name != "" {
			ext.FaultPortVMs[name] = true
		}
	}

	var user *url.Userinfo
	if c.username != "" || c.password != "" {
		user = url.UserPassword(c.username, c.password)
	}
	srv, err := newServer(e, c, user, tlsConfig)
	if err != nil {
		fmt.Fprintln(stderr, "vcsim: listening on", c.listen+":", err)
		return 1
	}

	public := *srv.URL
	public.User = nil
	public.RawQuery = ""
	lines := []string{"VCSIM_URL=" + public.String()}
	if tlsConfig != nil {
		lines = append(lines, "VCSIM_THUMBPRINT="+thumbprint(tlsConfig.Certificates[0].Certificate[0]))
	}
	lines = append(lines, fmt.Sprintf("VCSIM_PID=%d", os.Getpid()), "VCSIM_READY")
	fmt.Fprint(stdout, strings.Join(lines, "\n")+"\n")
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync() // fails harmlessly on pipes, which are unbuffered anyway
	}

	stdinClosed := make(chan struct{})
	if c.exitOnStdin {
		go func() {
			_, _ = io.Copy(ioutil.Discard, stdin)
			close(stdinClosed)
		}()
	}

	select {
	case sig := <-signals:
		fmt.Fprintf(stderr, "vcsim: %s received, shutting down\n", sig)
	case <-stdinClosed:
		fmt.Fprintln(stderr, "vcsim: standard input closed, shutting down")
	}

	closed := make(chan struct{})
	go func() {
		srv.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(c.shutdownTimeout):
		fmt.Fprintln(stderr, "vcsim: outstanding requests did not finish in time; exiting anyway")
	}
	return 0
}
