package samsatest_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// A Kafka Metadata v1 request for every topic, over a plain TCP connection: what the
// tests check topics and liveness with, independently of the samsa tool that created them.

type metadata struct {
	brokers    []brokerMeta
	controller int32
	topics     map[string]int // name -> partitions (topics without an error)
}

type brokerMeta struct {
	node int32
	host string
	port int32
}

func fetchMetadata(addr string) (*metadata, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))

	const correlationID = 7
	var req bytes.Buffer
	put := func(v any) { binary.Write(&req, binary.BigEndian, v) }
	put(int16(3)) // api key: Metadata
	put(int16(1)) // api version
	put(int32(correlationID))
	clientID := "samsatest"
	put(int16(len(clientID)))
	req.WriteString(clientID)
	put(int32(-1)) // topics: null, i.e. all of them
	frame := binary.BigEndian.AppendUint32(nil, uint32(req.Len()))
	if _, err := conn.Write(append(frame, req.Bytes()...)); err != nil {
		return nil, err
	}

	var size int32
	if err := binary.Read(conn, binary.BigEndian, &size); err != nil {
		return nil, err
	}
	if size < 4 || size > 64<<20 {
		return nil, fmt.Errorf("response size %d", size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(conn, body); err != nil {
		return nil, err
	}
	r := &reader{buf: body}
	if got := r.i32(); got != correlationID {
		return nil, fmt.Errorf("correlation id %d, want %d", got, correlationID)
	}
	m := &metadata{topics: map[string]int{}}
	for n := r.i32(); n > 0; n-- {
		b := brokerMeta{node: r.i32(), host: r.str()}
		b.port = r.i32()
		r.str() // rack
		m.brokers = append(m.brokers, b)
	}
	m.controller = r.i32()
	for n := r.i32(); n > 0; n-- {
		errorCode, name := r.i16(), r.str()
		r.skip(1) // is_internal
		partitions := int(r.i32())
		for p := 0; p < partitions; p++ {
			r.skip(2 + 4 + 4) // error code, index, leader
			r.skip(4 * int(r.i32()))
			r.skip(4 * int(r.i32()))
		}
		if errorCode == 0 {
			m.topics[name] = partitions
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return m, nil
}

// reader decodes big-endian fields; past the end it records an error and answers zeros.
type reader struct {
	buf []byte
	err error
}

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.buf) {
		if r.err == nil {
			r.err = errors.New("metadata response too short")
		}
		return make([]byte, max(n, 0))
	}
	out := r.buf[:n]
	r.buf = r.buf[n:]
	return out
}

func (r *reader) skip(n int)  { r.take(n) }
func (r *reader) i16() int16  { return int16(binary.BigEndian.Uint16(r.take(2))) }
func (r *reader) i32() int32  { return int32(binary.BigEndian.Uint32(r.take(4))) }
func (r *reader) str() string { return string(r.take(max(int(r.i16()), 0))) }
